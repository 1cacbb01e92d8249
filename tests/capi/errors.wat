;; errors: a valid module whose imports can be got wrong in every way.
(module
  (import "host" "func" (func $func (param i32) (result i32)))
  (import "host" "global" (global $global i32))
  (import "host" "memory" (memory 1 2))
  (import "host" "table" (table 1 funcref))
  (func (export "call") (param i32) (result i32)
    (i32.add (call $func (local.get 0)) (global.get $global)))
)
