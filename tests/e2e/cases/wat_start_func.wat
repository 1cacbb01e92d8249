;; The start function runs once at instantiation, after the data segments
;; are written and before _start.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $start_runs (mut i32) (i32.const 0))
  (data (i32.const 100) "\2a\00\00\00")          ;; 42
  (data (i32.const 200) "start ran once\n")      ;; 15 bytes
  (data (i32.const 216) "start count WRONG\n")   ;; 18 bytes
  (data (i32.const 240) "data doubled by start\n") ;; 22 bytes
  (data (i32.const 264) "data NOT doubled\n")    ;; 17 bytes

  (func $init
    (global.set $start_runs (i32.add (global.get $start_runs) (i32.const 1)))
    (i32.store (i32.const 100) (i32.mul (i32.load (i32.const 100)) (i32.const 2))))
  (start $init)

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))))

  (func (export "_start")
    (if (i32.eq (global.get $start_runs) (i32.const 1))
      (then (call $print (i32.const 200) (i32.const 15)))
      (else (call $print (i32.const 216) (i32.const 18))))
    (if (i32.eq (i32.load (i32.const 100)) (i32.const 84))
      (then (call $print (i32.const 240) (i32.const 22)))
      (else (call $print (i32.const 264) (i32.const 17)))))

  (func (export "start_count") (result i32) (global.get $start_runs))
  (func (export "memory_after_start") (result i32) (i32.load (i32.const 100))))
