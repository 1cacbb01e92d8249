;; start: a start function that calls the host, sets a global and writes
;; memory; by the imported mode it also traps (mode 2) after the host call.
(module
  (import "host" "started" (func $started (param i32)))   ;; function 0
  (import "host" "mode" (global $mode i32))
  (memory (export "memory") 1)
  (global $value (mut i32) (i32.const 0))

  (func $start                                              ;; function 1
    (call $started (global.get $mode))
    (if (i32.eq (global.get $mode) (i32.const 2))
      (then unreachable))
    (global.set $value (i32.const 7))
    (i32.store8 (i32.const 8) (i32.const 0x2a)))
  (start $start)

  (func (export "get") (result i32) (global.get $value))
)
