;; Descriptors left open when the guest traps are closed at instance
;; teardown: the log:// stream's unfinished line still comes out.
(module
  (import "dagger" "open" (func $open (param i32 i32) (result i32)))
  (import "dagger" "write" (func $write (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "log://teardown")          ;; 14 bytes
  (data (i32.const 32) "complete line\nunfinished line")  ;; 29 bytes
  (func $crash (export "_start")
    (local $fd i32)
    (local.set $fd (call $open (i32.const 0) (i32.const 14)))
    (drop (call $write (local.get $fd) (i32.const 32) (i32.const 29)))
    unreachable))
