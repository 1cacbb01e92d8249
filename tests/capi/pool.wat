;; pool: a module with a data segment (its memory comes from a copy-on-write
;; image) whose instances write over their memory, grow it, and read it.
(module
  (memory (export "memory") 1 4)
  (data (i32.const 16) "initial data")
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
