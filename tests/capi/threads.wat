;; threads: run(n) calls the host's tick(id) n times and returns the sum of
;; what it returned; each instance counts its runs in a global.
(module
  (import "host" "tick" (func $tick (param i32) (result i32)))
  (import "host" "id" (global $id i32))
  (global $runs (export "runs") (mut i32) (i32.const 0))

  (func (export "run") (param $n i32) (result i32)
    (local $i i32)
    (local $sum i32)
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (call $tick (global.get $id))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
)
