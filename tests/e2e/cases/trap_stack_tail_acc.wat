;; Deep recursion in accumulator style: the recursive call is in tail
;; position (call then return), so LLVM's tail-call elimination could turn it
;; into a loop that finishes. Wasm `call` always uses a new frame: two
;; billion nested frames must exhaust the stack.
(module
  (global $sink (mut i32) (i32.const 0))
  (func $sum_to_accumulating (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (local.get $acc))
      (else (return (call $sum_to_accumulating
                      (i32.sub (local.get $n) (i32.const 1))
                      (i32.add (local.get $acc) (local.get $n)))))))
  (func (export "_start")
    (global.set $sink (call $sum_to_accumulating (i32.const 2000000000) (i32.const 0)))))
