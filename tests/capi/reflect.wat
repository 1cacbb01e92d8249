;; reflect: imports and exports of all four kinds, with varied types,
;; limits and mutability.
(module
  (import "env" "func" (func $imp_func (param i32 f64) (result i64)))
  (import "env" "global" (global $imp_global (mut f32)))
  (import "env" "table" (table $imp_table 1 5 funcref))
  (import "other" "memory" (memory $imp_memory 1 2))

  (table $tab 2 externref)
  (global $g f64 (f64.const 1))
  (global $mg (mut i64) (i64.const 2))

  (func $f (param i32 i64 f32 f64) (result i32) (i32.const 0))
  (func $v)
  (func $m (param externref funcref) (result i64 f64 f32)
    (i64.const 0) (f64.const 0) (f32.const 0))

  (export "func" (func $f))
  (export "void" (func $v))
  (export "multi" (func $m))
  (export "global" (global $g))
  (export "mut_global" (global $mg))
  (export "table" (table $tab))
  (export "memory" (memory $imp_memory))
  (export "imported_func" (func $imp_func))
  (export "imported_global" (global $imp_global))
  (export "imported_table" (table $imp_table))
  (export "" (func $v))
)
