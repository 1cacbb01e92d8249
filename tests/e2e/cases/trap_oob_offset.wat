(module
  (memory 1)
  (global $address (mut i32) (i32.const 0x100))
  (global $sink (mut i32) (i32.const 0))
  (func $load_with_large_offset (param $p i32) (result i32)
    (i32.load offset=0xFFFFFFF0 (local.get $p)))
  (func (export "_start")
    (global.set $sink (call $load_with_large_offset (global.get $address)))))
