;; finalize: a small module with one host import, instantiated many times.
(module
  (import "host" "f" (func $f (param i32) (result i32)))
  (func (export "run") (param i32) (result i32)
    (call $f (local.get 0)))
)
