;; Found by scripts/fuzz.sh (seed 106006, reduced by wasm-reduce): the loop
;; stores byte 22, then loads from far out of bounds. LICM hoisted the
;; loop-invariant load into the preheader, before the first iteration's
;; store (and at -O3 SimpleLoopUnswitch's partial unswitching copied it
;; there), so in guard-page mode the trap left byte 22 unwritten; -O0,
;; explicit bounds checks and V8 write it first. HoistBarrierPass
;; (compiler/codegen/exact_traps.h) keeps such loads in the loop.
(module
  (type (;0;) (func (result i32)))
  (func (;0;) (type 0) (result i32)
    global.get 0
    i32.eqz
    drop
    i32.const 1
    global.set 0
    loop  ;; label = @1
      i32.const -1
      global.set 0
      i32.const 0
      i64.const 0
      i64.store8 offset=22
      i32.const 2147483647
      i32.load16_s offset=22
      if  ;; label = @2
        i32.const -1
        global.set 0
        i32.const -3
        global.set 0
      else
        i32.const 0
        drop
        nop
      end
      i32.const 1
      global.set 0
      br 0 (;@1;)
    end
    unreachable)
  (memory (;0;) 16 17)
  (global (;0;) (mut i32) (i32.const 10))
  (export "store_then_invariant_load" (func 0))
  (export "memory" (memory 0))
  (data (;0;) (i32.const 1) "\1c\f4y+\00\0e=)]\00_\f4-\00\00\00\1br\08\00\1c\9eV"))
