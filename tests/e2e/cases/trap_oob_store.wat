(module
  (memory 1 2)
  (global $address (mut i32) (i32.const 131070))
  (func $store_past_grown_end (param $p i32)
    (i64.store (local.get $p) (i64.const -1)))
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
    (i32.store (i32.const 131068) (i32.const 7))  ;; in the new page: fine
    (call $store_past_grown_end (global.get $address))))
