;; Not a valid module: a call to function index 7 in a module with one
;; function (assembled with `wat2wasm --no-check`).
(module
  (func $caller (export "caller")
    (call 7)))
