;; Hello through the Dagger stream API: open stdout://, write a line, close.
;; No WASI at all: the module imports only from "dagger".
;;
;;   wat2wasm examples/dagger_hello.wat -o dagger_hello.wasm
;;   kiln run dagger_hello.wasm
;;   kiln build dagger_hello.wasm -o dagger_hello && ./dagger_hello
(module
  (import "dagger" "open" (func $open (param i32 i32) (result i32)))
  (import "dagger" "write" (func $write (param i32 i32 i32) (result i32)))
  (import "dagger" "close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "stdout://")                 ;; 9 bytes at 0
  (data (i32.const 16) "Hello from Dagger!\n")     ;; 19 bytes at 16

  ;; Returns 0, or 1 when a call failed (the exit status).
  (func $main (export "main") (result i32)
    (local $fd i32)
    (local.set $fd (call $open (i32.const 0) (i32.const 9)))
    (if (i32.lt_s (local.get $fd) (i32.const 0))
      (then (return (i32.const 1))))
    (if (i32.ne (call $write (local.get $fd) (i32.const 16) (i32.const 19)) (i32.const 19))
      (then (return (i32.const 1))))
    (if (i32.ne (call $close (local.get $fd)) (i32.const 0))
      (then (return (i32.const 1))))
    (i32.const 0)))
