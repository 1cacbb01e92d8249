;; A loop whose 32-bit address p + 4*i wraps past 2^32 while it runs. Kiln
;; gives such loops 64-bit addresses (zext(p) + 4*i) only in a copy guarded by
;; a check that no address wraps; here the check must fail, and the original
;; loop must store to the wrapped, in-bounds addresses rather than fault.
(module
  (memory 1)
  ;; Stores i + 100 at p + 4*i for skip <= i < n.
  (func $fill (param $p i32) (param $skip i32) (param $n i32)
    (local $i i32)
    (loop $next
      (if (i32.ge_u (local.get $i) (local.get $skip))
        (then (i32.store (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))
                         (i32.add (local.get $i) (i32.const 100)))))
      (br_if $next (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; Runs fill, then returns the sum of word[k] * (k + 1) over the first 64 words.
  (func (export "run") (param $p i32) (param $skip i32) (param $n i32) (result i64)
    (local $k i32) (local $sum i64)
    (call $fill (local.get $p) (local.get $skip) (local.get $n))
    (loop $check
      (local.set $sum (i64.add (local.get $sum)
        (i64.mul (i64.extend_i32_u (i32.load (i32.shl (local.get $k) (i32.const 2))))
                 (i64.extend_i32_u (i32.add (local.get $k) (i32.const 1))))))
      (br_if $check (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 64))))
    (local.get $sum)))
