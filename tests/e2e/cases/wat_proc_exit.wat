;; proc_exit ends the process with the guest's status at once: the
;; `unreachable` after it must never run (no trap report).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "exiting with 42\n")  ;; 16 bytes
  (func $leave (param $code i32)
    (call $proc_exit (local.get $code))
    unreachable)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
    (call $leave (i32.const 42))
    unreachable))
