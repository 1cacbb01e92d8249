;; Control flow: br_table (with repeated targets and the default for large
;; and negative indices), loops, nested breaks, early returns, if/else with
;; results, select, recursion.
(module
  (func (export "classify") (param i32) (result i32)
    (block $default
      (block $four
        (block $three_and_one
          (block $two
            (block $zero
              (br_table $zero $three_and_one $two $three_and_one $four $default (local.get 0)))
            (return (i32.const 100)))
          (return (i32.const 102)))
        (return (i32.const 101)))
      (return (i32.const 104)))
    (i32.const 999))
  ;; br_table carrying a value out.
  (func (export "br_table_value") (param i32) (result i32)
    (block $b (result i32)
      (block $a (result i32)
        (br_table $a $b $a (i32.mul (local.get 0) (i32.const 10)) (local.get 0)))
      (i32.add (i32.const 1)))
    (i32.add (i32.const 1000)))
  (func (export "sum_to") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $top
        (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $acc))
  (func (export "factorial") (param $n i64) (result i64)
    (local $acc i64)
    (local.set $acc (i64.const 1))
    (loop $top
      (if (i64.gt_s (local.get $n) (i64.const 1))
        (then
          (local.set $acc (i64.mul (local.get $acc) (local.get $n)))
          (local.set $n (i64.sub (local.get $n) (i64.const 1)))
          (br $top))))
    (local.get $acc))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; Count pairs (i, j), i < j < n, with (i * j) % 7 == 3: nested loops.
  (func (export "pairs") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (block $outer_done
      (loop $outer
        (br_if $outer_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
            (if (i32.eq (i32.rem_u (i32.mul (local.get $i) (local.get $j)) (i32.const 7)) (i32.const 3))
              (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count))
  ;; Early return from inside nested blocks and a loop.
  (func (export "first_multiple") (param $of i32) (param $above i32) (result i32)
    (local $k i32)
    (local.set $k (i32.add (local.get $above) (i32.const 1)))
    (loop $search
      (block $next
        (br_if $next (i32.rem_u (local.get $k) (local.get $of)))
        (return (local.get $k)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $search))
    (unreachable))
  (func (export "gcd") (param $a i64) (param $b i64) (result i64)
    (local $t i64)
    (block $done
      (loop $top
        (br_if $done (i64.eqz (local.get $b)))
        (local.set $t (i64.rem_u (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $top)))
    (local.get $a))
  (func (export "select_i32") (param i32 i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_f64") (param f64 f64 i32) (result f64)
    (select (result f64) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sign") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 0))
      (then (i32.const -1))
      (else (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (i32.const 1))))))
  (func (export "collatz_steps") (param $n i64) (result i32)
    (local $steps i32)
    (block $done
      (loop $top
        (br_if $done (i64.eq (local.get $n) (i64.const 1)))
        (local.set $n
          (if (result i64) (i32.wrap_i64 (i64.and (local.get $n) (i64.const 1)))
            (then (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))
            (else (i64.shr_u (local.get $n) (i64.const 1)))))
        (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
        (br $top)))
    (local.get $steps)))
