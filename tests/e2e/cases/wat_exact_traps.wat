;; Out-of-bounds loads whose values end up unused must still trap, and
;; before any trap that follows them in program order (issue 12, part 1;
;; compiler/codegen/exact_traps.h). Each export takes the address to load
;; from; 65536 is one past the end of the one-page memory.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $add_dropped (export "add_dropped") (param $a i32) (result i32)
    (drop (i32.add (i32.load (local.get $a)) (i32.const 1)))
    (i32.const 1))
  (func $dead_local (export "dead_local") (param $a i32) (result i32) (local $x i32)
    (local.set $x (i32.load (local.get $a)))
    (i32.const 2))
  (func $dead_global (export "dead_global") (param $a i32) (result i32)
    (global.set $g (i32.load (local.get $a)))
    (global.set $g (i32.const 0))
    (i32.const 3))
  (func $select_unselected (export "select_unselected") (param $a i32) (result i32)
    (select (i32.const 4) (i32.load (local.get $a)) (i32.const 1)))
  (func $loop_dead (export "loop_dead") (param $a i32) (result i32) (local $i i32)
    (loop $l
      (drop (i64.load (local.get $a)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (local.get $i))
  (func $peek (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func $inlined_helper (export "inlined_helper") (param $a i32) (result i32)
    (drop (call $peek (local.get $a)))
    (i32.const 6))
  (func $same_arms (export "same_arms") (param $a i32) (result i32) (local $x i32)
    (local.set $x (f64.lt (f64.load (local.get $a)) (f64.const 0)))
    (if (result i32) (local.get $x) (then (i32.const 7)) (else (i32.const 7))))
  ;; The load comes first: with $a out of bounds and $d zero the trap is the
  ;; out-of-bounds access, not the division.
  (func $load_then_div (export "load_then_div") (param $a i32) (param $d i32) (result i32) (local $x i32)
    (local.set $x (i32.load (local.get $a)))
    (i32.add (i32.div_u (i32.const 10) (local.get $d)) (local.get $x)))
  (func $load_then_trunc (export "load_then_trunc") (param $a i32) (param $f f32) (result i32) (local $x i32)
    (local.set $x (i32.load16_s (local.get $a)))
    (i32.add (i32.trunc_f32_s (local.get $f)) (local.get $x)))
)
