;; memory: an exported memory of 2 pages, at most 3, with a data segment,
;; and functions that read, write, size and grow it.
(module
  (memory (export "memory") 2 3)
  (data (i32.const 0x1000) "\01\02\03\04")

  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64_offset") (param i32) (result i64)
    (i64.load offset=0x10000 (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
