;; hostref: host references (externref) through parameters, results, a
;; global, a table and a host callback.
(module
  (import "host" "callback" (func $callback (param externref) (result externref)))
  (global $g (export "global") (mut externref) (ref.null extern))
  (table $t (export "table") 10 externref)

  (func (export "global.set") (param externref) (global.set $g (local.get 0)))
  (func (export "global.get") (result externref) (global.get $g))
  (func (export "table.set") (param i32 externref)
    (table.set $t (local.get 0) (local.get 1)))
  (func (export "table.get") (param i32) (result externref)
    (table.get $t (local.get 0)))
  (func (export "table.grow") (param externref i32) (result i32)
    (table.grow $t (local.get 0) (local.get 1)))
  (func (export "func.call") (param externref) (result externref)
    (call $callback (local.get 0)))
  (func (export "identity") (param externref) (result externref) (local.get 0))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  ;; Two references in, swapped out.
  (func (export "swap") (param externref externref) (result externref externref)
    (local.get 1) (local.get 0))
)
