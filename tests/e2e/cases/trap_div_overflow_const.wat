(module
  (global $sink (mut i64) (i64.const 0))
  (func $constant_overflowing_division (result i64)
    (i64.div_s (i64.const -9223372036854775808) (i64.const -1)))
  (func (export "_start")
    (global.set $sink (call $constant_overflowing_division))))
