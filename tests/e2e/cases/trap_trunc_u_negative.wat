(module
  (global $fine (mut f64) (f64.const -0.9))
  (global $value (mut f64) (f64.const -1.0))
  (global $sink (mut i64) (i64.const 0))
  (func $convert_negative_unsigned (param $x f64) (result i64)
    (i64.trunc_f64_u (local.get $x)))
  (func (export "_start")
    (global.set $sink (call $convert_negative_unsigned (global.get $fine)))
    (global.set $sink (call $convert_negative_unsigned (global.get $value)))))
