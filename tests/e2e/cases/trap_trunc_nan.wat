(module
  (global $value (mut f32) (f32.const nan))
  (global $sink (mut i32) (i32.const 0))
  (func $convert_nan_to_int (param $x f32) (result i32)
    (i32.trunc_f32_s (local.get $x)))
  (func (export "_start")
    (global.set $sink (call $convert_nan_to_int (global.get $value)))))
