;; callback: host functions of several shapes, called from wasm; one of them
;; calls back into wasm.
(module
  (import "host" "echo" (func $echo (param i32) (result i32)))
  (import "host" "closure" (func $closure (result i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "mix" (func $mix (param i32 i64 f32 f64) (result f64)))
  (import "host" "nothing" (func $nothing))

  ;; x * x as x added x times, recursively: not a leaf, so its stack check
  ;; runs even when the host calls the reenter callback directly (the store
  ;; must then set the stack limit for this first entry into wasm).
  (func $times (param $x i32) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (local.get $x) (call $times (local.get $x) (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "square") (param i32) (result i32)
    (local $abs i32)
    (local.set $abs (select (i32.sub (i32.const 0) (local.get 0)) (local.get 0)
                            (i32.lt_s (local.get 0) (i32.const 0))))
    (call $times (local.get $abs) (local.get $abs)))

  ;; echo(a + b) + closure()
  (func (export "run") (param i32 i32) (result i32)
    (i32.add
      (call $echo (i32.add (local.get 0) (local.get 1)))
      (call $closure)))

  ;; wasm -> host -> wasm (square) -> host -> wasm: reenter(x) + 1
  (func (export "bounce") (param i32) (result i32)
    (i32.add (call $reenter (local.get 0)) (i32.const 1)))

  ;; Arguments of every numeric type, passed through unchanged.
  (func (export "mix") (param i32 i64 f32 f64) (result f64)
    (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3)))

  ;; A void host call between two additions.
  (func (export "around") (param i32) (result i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    (call $nothing)
    (i32.add (local.get 0) (i32.const 1)))
)
