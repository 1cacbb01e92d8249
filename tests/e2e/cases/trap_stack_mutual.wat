;; Mutual runaway recursion through two functions.
(module
  (func $ping_forever (param $n i32) (result i32)
    (call $pong_forever (i32.add (local.get $n) (i32.const 1))))
  (func $pong_forever (param $n i32) (result i32)
    (call $ping_forever (i32.add (local.get $n) (i32.const 1))))
  (func (export "_start")
    (drop (call $ping_forever (i32.const 0)))))
