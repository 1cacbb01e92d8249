;; Globals of every numeric type, mutable and immutable, exported and not,
;; changed by one function and read by another.
(module
  (global $counter (mut i32) (i32.const 0))
  (global $big (mut i64) (i64.const 0x7fffffffffffffff))
  (global $acc (mut f64) (f64.const 0))
  (global $single (mut f32) (f32.const -0.0))
  (global $answer i32 (i32.const 42))
  (global $pi f64 (f64.const 3.141592653589793))
  (global (export "exported_mutable") (mut i32) (i32.const 7))
  (global $from_neg i64 (i64.const -1))

  (func $bump (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  (func (export "bump_three_times") (result i32)
    (drop (call $bump)) (drop (call $bump)) (call $bump))
  (func (export "counter_initial") (result i32) (global.get $counter))
  (func (export "big_plus_one") (result i64)
    (global.set $big (i64.add (global.get $big) (i64.const 1)))
    (global.get $big))
  (func (export "add_tenths") (param $times i32) (result f64)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $times)))
        (global.set $acc (f64.add (global.get $acc) (f64.const 0.1)))
        (local.set $times (i32.sub (local.get $times) (i32.const 1)))
        (br $top)))
    (global.get $acc))
  (func (export "single") (result f32) (global.get $single))
  (func (export "immutables") (result i32 f64 i64)
    (global.get $answer) (global.get $pi) (global.get $from_neg))
  (func (export "set_and_get") (param i32) (result i32)
    (global.set 6 (local.get 0))  ;; "exported_mutable", by index
    (i32.mul (global.get 6) (i32.const 2))))
