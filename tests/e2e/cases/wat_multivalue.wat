;; Multi-value: functions returning several values (each printed on its own
;; line by --invoke), blocks, loops and ifs with parameters and several
;; results, and calls that consume several results.
(module
  (func $divmod (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "swap") (param i64 f64) (result f64 i64)
    (local.get 1) (local.get 0))
  (func (export "three") (result i32 i64 f32)
    (i32.const -1) (i64.const 0x7fffffffffffffff) (f32.const 1.5))
  (func (export "four_mixed") (param f64) (result f64 i32 f64 i64)
    (local.get 0)
    (i32.trunc_sat_f64_s (local.get 0))
    (f64.neg (local.get 0))
    (i64.trunc_sat_f64_s (f64.mul (local.get 0) (f64.const 1000))))
  ;; q * 1000 + r from divmod's two results.
  (func (export "combine_divmod") (param i32 i32) (result i32)
    (local $r i32)
    (call $divmod (local.get 0) (local.get 1))
    (local.set $r)
    (i32.mul (i32.const 1000))
    (i32.add (local.get $r)))
  ;; A block taking two parameters from the stack and producing two results.
  (func (export "block_params") (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32 i32)
      (local.set 0) (local.set 1)   ;; swap through locals
      (local.get 0) (local.get 1)))
  ;; An if with parameters and two results.
  (func (export "if_params") (param i32) (result i32 i32)
    (i32.const 10) (i32.const 20)
    (if (param i32 i32) (result i32 i32) (local.get 0)
      (then (i32.add) (i32.const 1))
      (else (i32.sub) (i32.const 0))))
  ;; Branching out of a block with two values.
  (func (export "br_with_values") (param i32) (result i64 i64)
    (block $out (result i64 i64)
      (i64.const 1) (i64.const 2)
      (br_if $out (local.get 0))
      (drop) (drop)
      (i64.const -3) (i64.const -4))))
