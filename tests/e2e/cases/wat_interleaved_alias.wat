;; The loop shape clang's wasm32 backend emits for `c[j] += a * b[j]`
;; unrolled by two: c[j] and c[j+1] addressed as p and p + 8. Kiln versions
;; such loops on run-time overlap checks between c and b (and not between the
;; interleaved c[j] and c[j+1], which never overlap), so that LLVM can
;; vectorize them. These calls check the answers when c and b are apart, and
;; when they overlap, where only the sequential order gives the right sums.
(module
  (memory 1)
  (func $axpy2 (param $c i32) (param $b i32) (param $pairs i32) (param $a f64)
    (local $c1 i32) (local $i i32)
    (loop $next
      (f64.store (local.get $c)
        (f64.add (f64.mul (local.get $a) (f64.load (local.get $b))) (f64.load (local.get $c))))
      (f64.store (local.tee $c1 (i32.add (local.get $c) (i32.const 8)))
        (f64.add (f64.mul (local.get $a) (f64.load offset=8 (local.get $b))) (f64.load (local.get $c1))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $next (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $pairs)))))
  ;; Fills the first 8 KiB with doubles x[k] = k + 1, runs axpy2 over n
  ;; pairs of elements (n >= 1) with a = 0.5, and returns sum of x[k] * (k + 1).
  (func (export "run") (param $c i32) (param $b i32) (param $n i32) (result i64)
    (local $k i32) (local $sum i64)
    (loop $fill
      (f64.store (i32.shl (local.get $k) (i32.const 3)) (f64.convert_i32_u (i32.add (local.get $k) (i32.const 1))))
      (br_if $fill (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 1024))))
    (call $axpy2 (local.get $c) (local.get $b) (local.get $n) (f64.const 0.5))
    (local.set $k (i32.const 0))
    (loop $check
      (local.set $sum (i64.add (local.get $sum)
        (i64.trunc_f64_s (f64.mul (f64.load (i32.shl (local.get $k) (i32.const 3)))
                                  (f64.convert_i32_u (i32.add (local.get $k) (i32.const 1)))))))
      (br_if $check (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 1024))))
    (local.get $sum)))
