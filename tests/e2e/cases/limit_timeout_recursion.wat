;; No loop at all: a doubly recursive function of depth 60 makes 2^60 calls.
;; The epoch check before calls must stop it.
(module
  (func $tree (param $n i32)
    (if (local.get $n)
      (then
        (call $tree (i32.sub (local.get $n) (i32.const 1)))
        (call $tree (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "_start")
    (call $tree (i32.const 60))))
