;; Linear memory: memory.size/memory.grow (old size back, -1 past the
;; maximum), the new page zeroed and usable, loads and stores of every width
;; with sign/zero extension, unaligned accesses, data segments, the last
;; bytes of memory, and an out-of-bounds access through --invoke.
(module
  (memory 1 4)
  (data (i32.const 256) "Kiln\00\01\02\ff")
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")  ;; the last 8 bytes

  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_then_size") (param i32) (result i32 i32)
    (memory.grow (local.get 0))
    (memory.size))
  (func (export "grow_and_use") (result i32 i32 i32)
    (drop (memory.grow (i32.const 2)))
    (i32.store (i32.const 131072) (i32.const 0x11223344))  ;; first word of page 2
    (i32.load (i32.const 131072))
    (i32.load (i32.const 196604))                          ;; last word of page 3: zero
    (memory.size))
  (func (export "store_then_loads") (result i32 i32 i32 i32 i32 i64 i64 i64)
    (i32.store (i32.const 1000) (i32.const 0x80FF7F01))  ;; bytes 01 7F FF 80
    (i32.load8_s (i32.const 1000))
    (i32.load8_s (i32.const 1002))
    (i32.load8_u (i32.const 1002))
    (i32.load16_s (i32.const 1002))
    (i32.load16_u (i32.const 1002))
    (i64.load32_u (i32.const 1000))
    (i64.load32_s (i32.const 1000))
    (i64.load8_s (i32.const 1003)))
  (func (export "narrow_stores") (result i64)
    (i64.store (i32.const 2000) (i64.const -1))
    (i64.store8 (i32.const 2000) (i64.const 0x1234))      ;; low byte only
    (i64.store16 (i32.const 2002) (i64.const 0xABCDEF))   ;; low two bytes
    (i32.store8 (i32.const 2007) (i32.const 0))
    (i64.load (i32.const 2000)))
  (func (export "unaligned") (param $addr i32) (param $v i64) (result i64)
    (i64.store (local.get $addr) (local.get $v))
    (i64.load (local.get $addr)))
  (func (export "f64_roundtrip") (param f64) (result i64 f64)
    (f64.store offset=8 (i32.const 3000) (local.get 0))
    (i64.load offset=4 (i32.const 3004))
    (f64.load (i32.const 3008)))
  (func (export "f32_store") (param f32) (result i32)
    (f32.store (i32.const 3100) (local.get 0))
    (i32.load (i32.const 3100)))
  (func (export "data_word") (result i32) (i32.load (i32.const 256)))
  (func (export "data_byte") (param i32) (result i32) (i32.load8_u (i32.add (i32.const 256) (local.get 0))))
  (func (export "last_bytes") (result i64 i32 i32)
    (i64.load (i32.const 65528))
    (i32.load offset=65532 (i32.const 0))
    (i32.load8_u (i32.const 65535)))
  (func (export "untouched_is_zero") (result i64) (i64.load (i32.const 40000)))
  (func $load_i32_at (export "load_i32_at") (param i32) (result i32) (i32.load (local.get 0)))
  (func $store_after_failed_grow (export "store_after_failed_grow") (result i32)
    (drop (memory.grow (i32.const 10)))   ;; fails: max is 4
    (i32.store (i32.const 65536) (i32.const 1))  ;; still 1 page: traps
    (i32.const 0)))
