;; The guest of examples/embed: handle(request) adds request % 10 to the
;; host's total, except that every tenth request (9, 19, ...) never ends and
;; every tenth (8, 18, ...) traps.
(module
  (import "env" "add_to_total" (func $add (param i32)))
  (memory 1)
  (func (export "handle") (param $request i32)
    (local $kind i32)
    (local.set $kind (i32.rem_u (local.get $request) (i32.const 10)))
    (if (i32.eq (local.get $kind) (i32.const 9))
      (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $kind) (i32.const 8))
      (then unreachable))
    (call $add (local.get $kind))))
