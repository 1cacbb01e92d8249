;; Not a valid module: i32.add of an i64 operand. Assembled with
;; `wat2wasm --no-check` for the bad-input tests; kiln must reject it with
;; the byte offset of the offending instruction.
(module
  (func $broken (export "broken") (result i32)
    (i32.add (i32.const 1) (i64.const 2))))
