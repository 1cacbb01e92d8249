;; Bulk memory: memory.fill, memory.copy (overlapping both ways),
;; memory.init from a passive segment, data.drop, and their bounds traps
;; through --invoke.
(module
  (memory 1)
  (data $passive "hello, bulk memory")       ;; passive, 18 bytes
  (data $active (i32.const 0) "abcdefghij")  ;; active: dropped after instantiation

  (func (export "fill") (result i32 i32 i32)
    (memory.fill (i32.const 100) (i32.const 0x41) (i32.const 10))
    (i32.load8_u (i32.const 100))
    (i32.load8_u (i32.const 109))
    (i32.load8_u (i32.const 110)))
  (func (export "fill_truncates_value") (result i32)
    (memory.fill (i32.const 200) (i32.const 0x1FF) (i32.const 4))  ;; byte 0xFF
    (i32.load (i32.const 200)))
  (func (export "copy_forward_overlap") (result i64 i32 i32)
    (memory.copy (i32.const 2) (i32.const 0) (i32.const 8))  ;; "ababcdefgh"
    (i64.load (i32.const 0))
    (i32.load8_u (i32.const 8))
    (i32.load8_u (i32.const 9)))
  (func (export "copy_backward_overlap") (result i64 i32 i32)
    (memory.copy (i32.const 0) (i32.const 2) (i32.const 8))  ;; "cdefghijij"
    (i64.load (i32.const 0))
    (i32.load8_u (i32.const 8))
    (i32.load8_u (i32.const 9)))
  (func (export "copy_to_end") (result i32)
    (memory.copy (i32.const 65532) (i32.const 0) (i32.const 4))
    (i32.load (i32.const 65532)))
  (func (export "init") (result i32 i32)
    (memory.init $passive (i32.const 300) (i32.const 7) (i32.const 4))  ;; "bulk"
    (i32.load (i32.const 300))
    (i32.load8_u (i32.const 304)))
  (func (export "init_twice") (result i32)
    (memory.init $passive (i32.const 400) (i32.const 0) (i32.const 5))
    (memory.init $passive (i32.const 402) (i32.const 0) (i32.const 5))
    (i32.load (i32.const 400)))
  (func (export "zero_length_at_end") (result i32)
    (memory.fill (i32.const 65536) (i32.const 0) (i32.const 0))
    (memory.copy (i32.const 65536) (i32.const 65536) (i32.const 0))
    (memory.init $passive (i32.const 65536) (i32.const 18) (i32.const 0))
    (i32.const 1))
  (func (export "drop_then_init_empty") (result i32)
    (data.drop $passive)
    (data.drop $passive)  ;; dropping twice is fine
    (memory.init $passive (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.const 1))
  (func $init_after_drop (export "init_after_drop")
    (data.drop $passive)
    (memory.init $passive (i32.const 0) (i32.const 0) (i32.const 1)))
  (func $init_from_active (export "init_from_active")
    (memory.init $active (i32.const 0) (i32.const 0) (i32.const 1)))
  (func $init_past_segment (export "init_past_segment")
    (memory.init $passive (i32.const 0) (i32.const 10) (i32.const 9)))
  (func $fill_out_of_bounds (export "fill_out_of_bounds")
    (memory.fill (i32.const 65530) (i32.const 0x55) (i32.const 10)))
  (func $copy_out_of_bounds (export "copy_out_of_bounds")
    (memory.copy (i32.const 0) (i32.const 65000) (i32.const 1000)))
  (func $fill_past_end_empty (export "fill_past_end_empty")
    (memory.fill (i32.const 65537) (i32.const 0) (i32.const 0))))
