;; kiln_limits: a guest for Kiln's store limits, deadlines, interrupts and
;; fuel (kiln/kiln.h). The same module serves every part of kiln_limits.c:
;; compiled in-process (wasm_module_new) and, with fuel metering, by
;; `kiln compile --emit=shared --fuel`.
(module
  (memory (export "memory") 1)

  ;; memory.grow / memory.size as they are: -1 when the store refuses.
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "size") (result i32)
    (memory.size))

  ;; Never returns: only a deadline, an interrupt or fuel stops it.
  (func (export "forever")
    (loop $l (br $l)))

  ;; A function that does almost nothing, to show the store still runs.
  (func (export "ok") (result i32)
    (i32.const 42))

  ;; count(n): n iterations of a loop that the compiler cannot remove (its
  ;; trip count is a parameter, and the result is what it counted).
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
)
