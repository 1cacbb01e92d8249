(module
  (global $value (mut f32) (f32.const 3e9))
  (global $sink (mut i32) (i32.const 0))
  (func $convert_too_big (param $x f32) (result i32)
    (i32.trunc_f32_s (local.get $x)))
  (func (export "_start")
    (global.set $sink (call $convert_too_big (global.get $value)))))
