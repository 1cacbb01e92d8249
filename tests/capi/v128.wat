;; v128: values the standard C API has no kind for. Functions with a v128 in
;; their signature are refused by wasm_func_call; the rest of the module works.
(module
  (global (export "g") v128 (v128.const i32x4 7 8 9 10))
  (func (export "id") (param v128) (result v128) (local.get 0))
  (func (export "lane") (result i32) (i32x4.extract_lane 2 (global.get 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
