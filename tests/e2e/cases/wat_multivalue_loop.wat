;; A loop with parameters and results: (counter, sum) travel on the operand
;; stack around the loop's back edge (br_if with values), fed by a call
;; returning three values. Kept apart from wat_multivalue.wat so a failure
;; here does not hide the other multi-value features.
(module
  ;; A loop carrying (counter, sum) on the operand stack: sum 1..n (n >= 1).
  (func (export "loop_params") (param $n i32) (result i32 i32)
    (i32.const 0) (i32.const 0)
    (loop $next (param i32 i32) (result i32 i32)
      ;; stack: counter sum
      (call $step (local.get $n))
      (br_if $next)))
  ;; (counter, sum, n) -> (counter+1, sum+counter+1, continue?)
  (func $step (param $counter i32) (param $sum i32) (param $n i32) (result i32 i32 i32)
    (i32.add (local.get $counter) (i32.const 1))
    (i32.add (local.get $sum) (i32.add (local.get $counter) (i32.const 1)))
    (i32.lt_u (i32.add (local.get $counter) (i32.const 1)) (local.get $n))))
