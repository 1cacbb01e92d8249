(module
  (memory 1)
  (global $address (mut i32) (i32.const 65532))
  (global $sink (mut i64) (i64.const 0))
  (func $load_straddling_end (param $p i32) (result i64)
    (i64.load (local.get $p)))
  (func (export "_start")
    (global.set $sink (call $load_straddling_end (i32.const 65528)))  ;; fine
    (global.set $sink (call $load_straddling_end (global.get $address)))))
