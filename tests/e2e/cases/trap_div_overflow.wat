(module
  (global $numerator (mut i32) (i32.const -2147483648))
  (global $denominator (mut i32) (i32.const -1))
  (global $sink (mut i32) (i32.const 0))
  (func $overflowing_division (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))
  (func (export "_start")
    (global.set $sink (call $overflowing_division (global.get $numerator) (global.get $denominator)))))
