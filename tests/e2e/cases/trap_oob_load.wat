(module
  (memory 1)
  (global $address (mut i32) (i32.const 65536))
  (global $sink (mut i32) (i32.const 0))
  (func $load_past_end (param $p i32) (result i32)
    (i32.load (local.get $p)))
  (func (export "_start")
    (global.set $sink (call $load_past_end (i32.const 65532)))  ;; last word: fine
    (global.set $sink (call $load_past_end (global.get $address)))))
