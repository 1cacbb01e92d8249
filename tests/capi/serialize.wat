;; serialize: a module with an import, memory and data, a mutable global and
;; code worth keeping compiled.
(module
  (import "host" "callback" (func $callback (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "kiln")
  (global $counter (export "counter") (mut i32) (i32.const 5))

  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.le_s (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))

  ;; counter += 1; callback(x)
  (func (export "run") (param i32) (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $callback (local.get 0)))
)
