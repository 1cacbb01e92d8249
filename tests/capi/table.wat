;; table: an exported funcref table (2 entries, at most 10), one element set
;; by an element segment, and functions that use the table from inside.
(module
  (type $i2i (func (param i32) (result i32)))
  (type $v2i (func (result i32)))
  (table $t (export "table") 2 10 funcref)
  (elem (table $t) (i32.const 1) func $plus1)

  (func $plus1 (export "plus1") (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $times2 (export "times2") (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func $seven (export "seven") (type $v2i) (i32.const 7))

  ;; call_indirect(x, i) = table[i](x)
  (func (export "call_indirect") (param i32 i32) (result i32)
    (call_indirect $t (type $i2i) (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (table.size $t))
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "is_null") (param i32) (result i32)
    (ref.is_null (table.get $t (local.get 0))))
  (func (export "set_times2") (param i32)
    (table.set $t (local.get 0) (ref.func $times2)))
)
