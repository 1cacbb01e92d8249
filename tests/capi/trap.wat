;; trap: traps raised by the host and by the guest, in every way the guest
;; can trap, directly and below other frames.
(module
  (type $v (func))
  (type $i2i (func (param i32) (result i32)))
  (import "host" "fail" (func $fail))                       ;; function 0
  (import "host" "reenter" (func $reenter))                 ;; function 1
  (memory 1)
  (table $t 3 funcref)
  (elem (table $t) (i32.const 0) func $inner_unreachable $recurse)

  (func $call_fail (export "call_fail") (call $fail))        ;; function 2
  (func $unreachable (export "unreachable") unreachable)     ;; function 3
  (func $inner_unreachable (type $v) unreachable)            ;; function 4
  ;; table[i]() through call_indirect, so that the inner frame stays.
  (func $outer (export "outer") (param i32)                 ;; function 5
    (call_indirect $t (type $v) (local.get 0)))
  (func (export "div") (param i32 i32) (result i32)         ;; function 6
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32)            ;; function 7
    (i32.load (local.get 0)))
  ;; Unbounded recursion through the table (not a loop in disguise).
  (func $recurse (export "recurse") (param i32) (result i32)  ;; function 8
    (i32.add
      (call_indirect $t (type $i2i) (i32.add (local.get 0) (i32.const 1)) (i32.const 1))
      (i32.const 1)))
  (func (export "call_reenter") (call $reenter))             ;; function 9
  (func (export "ok") (result i32) (i32.const 42))           ;; function 10
  (func (export "trunc") (param f64) (result i32)           ;; function 11
    (i32.trunc_f64_s (local.get 0)))
  (func (export "call_null") (call_indirect $t (type $v) (i32.const 2)))  ;; function 12
)
