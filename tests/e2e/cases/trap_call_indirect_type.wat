(module
  (type $unary (func (param i32) (result i32)))
  (type $nullary (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $forty_two $increment)
  (global $index (mut i32) (i32.const 1))
  (global $sink (mut i32) (i32.const 0))
  (func $forty_two (type $nullary) (i32.const 42))
  (func $increment (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $call_with_wrong_type (param $i i32) (result i32)
    (call_indirect (type $nullary) (local.get $i)))
  (func (export "_start")
    (global.set $sink (call $call_with_wrong_type (i32.const 0)))  ;; right type: fine
    (global.set $sink (call $call_with_wrong_type (global.get $index)))))
