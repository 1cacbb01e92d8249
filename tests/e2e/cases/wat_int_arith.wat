;; Integer arithmetic with exact wasm semantics: wrapping add/sub/mul,
;; signed/unsigned division and remainder edge cases (INT_MIN rem -1 is 0),
;; and the same with constant operands that LLVM would otherwise fold into
;; poison or undefined behaviour.
(module
  (func (export "add32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "sub32") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "mul32") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func (export "div_s32") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div_u32") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s32") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u32") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "mul64") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "div_s64") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "div_u64") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s64") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  ;; Division by a constant -1 (LLVM likes to turn it into a negation).
  (func $div_s32_by_minus1 (export "div_s32_by_minus1") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const -1)))
  (func (export "rem_s32_by_minus1") (param i32) (result i32) (i32.rem_s (local.get 0) (i32.const -1)))
  (func (export "rem_s64_by_minus1") (param i64) (result i64) (i64.rem_s (local.get 0) (i64.const -1)))
  ;; Everything constant.
  (func (export "const_rem_s32_min_minus1") (result i32)
    (i32.rem_s (i32.const -2147483648) (i32.const -1)))
  (func (export "const_rem_s64_min_minus1") (result i64)
    (i64.rem_s (i64.const -9223372036854775808) (i64.const -1)))
  (func (export "const_div_u32") (result i32)
    (i32.div_u (i32.const -1) (i32.const 3)))
  ;; Traps through --invoke.
  (func $div_u32_trap (export "div_u32_trap") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func $rem_s64_trap (export "rem_s64_trap") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1))))
