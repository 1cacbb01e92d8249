(module
  (global $numerator (mut i32) (i32.const 1000))
  (global $denominator (mut i32) (i32.const 0))
  (func $divide_by_zero_here (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))
  (func (export "_start")
    (drop (call $divide_by_zero_here (global.get $numerator) (global.get $denominator)))))
