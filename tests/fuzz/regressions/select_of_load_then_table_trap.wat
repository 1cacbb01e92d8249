;; Found by scripts/fuzz.sh (seed 101245, reduced by wasm-reduce and by
;; hand): the out-of-bounds load's value reaches the loop's branch only
;; through a compare and a select; the code generator's MachineSink moved
;; the load, the compare and the select together past the call_indirect's
;; table check, so -O2 in guard-page mode reported the table's trap instead
;; of "out of bounds memory access". Loads that nothing in their own block
;; consumes are pinned there (compiler/codegen/exact_traps.cpp).
(module
  (type $f (func (param f32 i32) (result f32)))
  (table 19 funcref)
  (memory (export "memory") 16 17)
  (func (export "select_of_load_then_table_trap") (result i32)
    (local f32)
    (loop
      (br_if 0
        (f32.eq
          (select (local.tee 0 (f32.load offset=2 (i32.const 0x80000000)))
                  (f32.const 0)
                  (f32.eq (local.get 0) (f32.const 0)))
          (call_indirect (type $f) (f32.const 0) (i32.const 0) (i32.const 2147483647)))))
    (i32.const 0)))
