;; Stores before a faulting access in straight-line code (found while
;; checking -O1, which unrolls the `hoist` loop of loops_off_the_end.wat
;; into one block): the code generator moved a load above earlier stores to
;; other constant addresses (SelectionDAG's chain improvement), and merged
;; two adjacent i32 stores, the second out of bounds, into one 8-byte store
;; that faulted whole, so the first store was lost. Guard-page code keeps
;; linear-memory accesses after a store in order (compiler/codegen/
;; exact_traps.cpp, orderAfterStores).
(module
  (memory (export "memory") 1)
  (func (export "store_then_load") (result i32)
    (i32.store (i32.const 65000) (i32.const 7))
    (i32.store (i32.const 65004) (i32.const 8))
    (i32.load (i32.const 65536)))
  (func $pair (param i32) (result i32)
    (i32.store offset=0 (local.get 0) (i32.const 0x01010101))
    (i32.store offset=4 (local.get 0) (i32.const 0x02020202))
    (i32.const 0))
  (func (export "adjacent_stores_across_the_end") (result i32) (call $pair (i32.const 65532)))
  (func (export "adjacent_stores_below_the_end") (result i32) (call $pair (i32.const 65520)))
  (func (export "three_stores") (result i32)
    (i32.store (i32.const 65528) (i32.const 0x01010101))
    (i32.store (i32.const 65532) (i32.const 0x02020202))
    (i32.store (i32.const 65536) (i32.const 0x03030303))
    (i32.const 0)))
