;; WASI from hand-written wasm: fd_write with one iovec to stdout, two
;; iovecs (a gather write) to stderr, and a check of nwritten.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "Hello from WAT\n")       ;; 15 bytes
  (data (i32.const 96) "nwritten ok\n")          ;; 12 bytes
  (data (i32.const 112) "nwritten WRONG\n")      ;; 15 bytes
  (data (i32.const 128) "to stderr, ")           ;; 11 bytes
  (data (i32.const 144) "in two pieces\n")       ;; 14 bytes

  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 32)))
    (i32.load (i32.const 32)))

  (func $main (export "_start")
    (if (i32.eq (call $write (i32.const 1) (i32.const 64) (i32.const 15)) (i32.const 15))
      (then (drop (call $write (i32.const 1) (i32.const 96) (i32.const 12))))
      (else (drop (call $write (i32.const 1) (i32.const 112) (i32.const 15)))))
    ;; Two iovecs at 8 and 16.
    (i32.store (i32.const 8) (i32.const 128))
    (i32.store (i32.const 12) (i32.const 11))
    (i32.store (i32.const 16) (i32.const 144))
    (i32.store (i32.const 20) (i32.const 14))
    (drop (call $fd_write (i32.const 2) (i32.const 8) (i32.const 2) (i32.const 32)))))
