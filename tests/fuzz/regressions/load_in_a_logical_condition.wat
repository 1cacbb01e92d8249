;; Found by scripts/fuzz.sh (seed 300770, reduced by wasm-reduce): the
;; out-of-bounds load only decides a branch through `select`, which LLVM
;; turns into `g == 0 && load == 0`; SelectionDAG split the branch in two
;; and the load, folded into the second compare, ran only when the global
;; was zero, so -O2 in guard-page mode returned 0 instead of trapping. A
;; load whose branch goes through an i1 and/or/select is pinned in its
;; block (compiler/codegen/exact_traps.cpp, pinTarget).
(module
  (global $g (mut i64) (i64.const -1875632312))
  (global $h (mut i32) (i32.const 10))
  (memory (export "memory") 16 17)
  (func (export "load_in_a_logical_condition") (result i32)
    (if (select (i32.const 524288)
                (i32.load (i32.const 1043554618))
                (i32.wrap_i64 (global.get $g)))
      (then (return (i32.const 0))))
    (global.set $h (i32.const -1))
    (i32.const -86))
  (func (export "load_in_an_or") (param i32) (result i32)
    (if (i32.or (i32.eqz (local.get 0)) (i32.eqz (i32.load (i32.const 1043554618))))
      (then (return (i32.const 1))))
    (i32.const 2))
  (func (export "call_or") (result i32) (call 1 (i32.const 0))))
