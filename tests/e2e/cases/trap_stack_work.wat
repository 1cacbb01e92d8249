;; Runaway recursion that does work at every level: stores to memory and
;; uses the callee's result (not a tail call).
(module
  (memory 1)
  (func $recurse_with_work (param $n i64) (result i64)
    (i64.store (i32.wrap_i64 (i64.and (i64.mul (local.get $n) (i64.const 8)) (i64.const 0xFFF8)))
               (local.get $n))
    (i64.add
      (call $recurse_with_work (i64.add (local.get $n) (i64.const 1)))
      (i64.load (i32.const 8))))
  (func (export "_start")
    (drop (call $recurse_with_work (i64.const 0)))))
