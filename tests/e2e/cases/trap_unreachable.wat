;; `unreachable` two calls deep, after some output.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "before trap\n")  ;; 12 bytes
  (data (i32.const 80) "after trap: must not be printed\n")  ;; 32 bytes
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))))
  (func $explode_unreachable
    unreachable)
  (func $middle_frame
    (call $explode_unreachable)
    (call $print (i32.const 80) (i32.const 32)))
  (func (export "_start")
    (call $print (i32.const 64) (i32.const 12))
    (call $middle_frame)
    (call $print (i32.const 80) (i32.const 32))))
