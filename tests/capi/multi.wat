;; multi: functions with several results of mixed types, to and from a host
;; callback.
(module
  (import "host" "callback"
    (func $callback (param i32 i64 f32 f64) (result f64 f32 i64 i32)))

  ;; Passes its arguments to the callback and returns its results unchanged.
  (func (export "run") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    (call $callback (local.get 0) (local.get 1) (local.get 2) (local.get 3)))

  ;; Pure wasm: the arguments in reverse order.
  (func (export "swap") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))

  ;; Uses each result of the callback in wasm:
  ;; r0 + r1 + r2 + r3, all as f64.
  (func (export "fold") (param i32 i64 f32 f64) (result f64)
    (local $r0 f64) (local $r1 f32) (local $r2 i64) (local $r3 i32)
    (call $callback (local.get 0) (local.get 1) (local.get 2) (local.get 3))
    (local.set $r3) (local.set $r2) (local.set $r1) (local.set $r0)
    (f64.add
      (f64.add (local.get $r0) (f64.promote_f32 (local.get $r1)))
      (f64.add (f64.convert_i64_s (local.get $r2)) (f64.convert_i32_s (local.get $r3)))))

  ;; Two results from a call, consumed in wasm: pair_sum(x) = x + 3x.
  (func $pair (param i32) (result i32 i64)
    (local.get 0) (i64.extend_i32_s (i32.mul (local.get 0) (i32.const 3))))
  (func (export "pair_sum") (param i32) (result i64)
    (local $b i64)
    (call $pair (local.get 0))
    (local.set $b)
    (i64.extend_i32_s)
    (local.get $b)
    (i64.add))

  ;; Two results from a block with a parameter.
  (func (export "block_swap") (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32 i32)
      (local.set 0) (local.set 1) (local.get 0) (local.get 1)))
)
