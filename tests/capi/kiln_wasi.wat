;; kiln_wasi: a WASI preview 1 command for kiln_wasi_run (kiln/kiln.h).
;;
;; It copies stdin to stdout uppercased (ASCII a-z only, any other byte as it
;; is, NUL included) after the prefix "OUT:", reading 5 bytes at a time; then
;; writes "arg=<argv[1]>\nenv=<$GREETING>\n" to stderr (argv[1] "" when
;; there is none, "(unset)" when GREETING is not in the environment). Then:
;;   argv[1] "exit7": proc_exit(7); otherwise _start returns (status 0).
;;   argv[1] "trap":  unreachable, before anything is written.
;;   argv[1] "spin":  loops forever, before anything is written.
;; A write refused with ENOSPC ends the command: proc_exit(3) on stdout,
;; proc_exit(5) on stderr; any other error of a write 4 (stdout) or 6
;; (stderr); an error of the other calls 10 and up.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit"
    (func $proc_exit (param i32)))

  (memory (export "memory") 1)

  ;; Scratch: 0 argc, 4 argv buffer size, 8 environ count, 12 environ buffer
  ;; size, 16 an iovec (pointer, length), 24 bytes written / read.
  ;; Constant strings, NUL-terminated:
  (data (i32.const 64) "OUT:\00")
  (data (i32.const 80) "arg=\00")
  (data (i32.const 96) "\0aenv=\00")
  (data (i32.const 112) "\0a\00")
  (data (i32.const 128) "trap\00")
  (data (i32.const 144) "exit7\00")
  (data (i32.const 160) "GREETING=\00")
  (data (i32.const 176) "(unset)\00")
  (data (i32.const 192) "\00")
  (data (i32.const 200) "spin\00")
  ;; 1024: argv pointers (256 at most); 2048: their strings (4096 bytes at
  ;; most); 8192: environ pointers; 9216: their strings; 16384: stdin.
  (global $argv i32 (i32.const 1024))
  (global $argv_buf i32 (i32.const 2048))
  (global $environ i32 (i32.const 8192))
  (global $environ_buf i32 (i32.const 9216))
  (global $input i32 (i32.const 16384))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $n))

  ;; Whether the string at $p starts with the string at $prefix.
  (func $starts_with (param $p i32) (param $prefix i32) (result i32)
    (local $c i32)
    (loop $l
      (local.set $c (i32.load8_u (local.get $prefix)))
      (if (i32.eqz (local.get $c)) (then (return (i32.const 1))))
      (if (i32.ne (local.get $c) (i32.load8_u (local.get $p))) (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $prefix (i32.add (local.get $prefix) (i32.const 1)))
      (br $l))
    (unreachable))

  (func $streq (param $a i32) (param $b i32) (result i32)
    (i32.and
      (call $starts_with (local.get $a) (local.get $b))
      (i32.eq (call $strlen (local.get $a)) (call $strlen (local.get $b)))))

  ;; Writes all $len bytes at $p to $fd: 0, or the first error.
  (func $write_all (param $fd i32) (param $p i32) (param $len i32) (result i32)
    (local $err i32)
    (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 16) (local.get $p))
        (i32.store (i32.const 20) (local.get $len))
        (local.set $err (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
        (if (local.get $err) (then (return (local.get $err))))
        (local.set $n (i32.load (i32.const 24)))
        ;; Nothing written without an error: report EIO (29).
        (if (i32.eqz (local.get $n)) (then (return (i32.const 29))))
        (local.set $p (i32.add (local.get $p) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $l)))
    (i32.const 0))

  ;; ENOSPC (51) and the other errors of a write, as exit statuses.
  (func $checked (param $err i32) (param $nospc i32) (param $other i32)
    (if (i32.eq (local.get $err) (i32.const 51)) (then (call $proc_exit (local.get $nospc))))
    (if (local.get $err) (then (call $proc_exit (local.get $other)))))
  (func $out (param $p i32) (param $len i32)
    (call $checked (call $write_all (i32.const 1) (local.get $p) (local.get $len)) (i32.const 3) (i32.const 4)))
  (func $err_str (param $p i32)
    (call $checked (call $write_all (i32.const 2) (local.get $p) (call $strlen (local.get $p)))
      (i32.const 5) (i32.const 6)))
  (func $ok (param $err i32) (param $status i32)
    (if (local.get $err) (then (call $proc_exit (local.get $status)))))

  (func (export "_start")
    (local $arg i32)
    (local $n i32)
    (local $i i32)
    (local $c i32)
    (local $value i32)

    ;; argv[1], or "".
    (call $ok (call $args_sizes_get (i32.const 0) (i32.const 4)) (i32.const 10))
    (if (i32.or (i32.gt_u (i32.load (i32.const 0)) (i32.const 256))
                (i32.gt_u (i32.load (i32.const 4)) (i32.const 4096)))
      (then (call $proc_exit (i32.const 11))))
    (call $ok (call $args_get (global.get $argv) (global.get $argv_buf)) (i32.const 12))
    (local.set $arg (i32.const 192))
    (if (i32.ge_u (i32.load (i32.const 0)) (i32.const 2))
      (then (local.set $arg (i32.load (i32.add (global.get $argv) (i32.const 4))))))

    (if (call $streq (local.get $arg) (i32.const 128)) (then (unreachable)))
    (if (call $streq (local.get $arg) (i32.const 200)) (then (loop $spin (br $spin))))

    ;; stdout: "OUT:" and stdin uppercased.
    (call $out (i32.const 64) (i32.const 4))
    (block $eof
      (loop $read
        (i32.store (i32.const 16) (global.get $input))
        (i32.store (i32.const 20) (i32.const 5))
        (call $ok (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)) (i32.const 13))
        (local.set $n (i32.load (i32.const 24)))
        (br_if $eof (i32.eqz (local.get $n)))
        (if (i32.gt_u (local.get $n) (i32.const 5)) (then (call $proc_exit (i32.const 14))))
        (local.set $i (i32.const 0))
        (block $done
          (loop $upper
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $c (i32.load8_u (i32.add (global.get $input) (local.get $i))))
            (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
              (then (i32.store8 (i32.add (global.get $input) (local.get $i))
                                (i32.sub (local.get $c) (i32.const 32)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $upper)))
        (call $out (global.get $input) (local.get $n))
        (br $read)))

    ;; $GREETING's value, or "(unset)".
    (call $ok (call $environ_sizes_get (i32.const 8) (i32.const 12)) (i32.const 15))
    (if (i32.or (i32.gt_u (i32.load (i32.const 8)) (i32.const 256))
                (i32.gt_u (i32.load (i32.const 12)) (i32.const 4096)))
      (then (call $proc_exit (i32.const 16))))
    (call $ok (call $environ_get (global.get $environ) (global.get $environ_buf)) (i32.const 17))
    (local.set $value (i32.const 176))
    (local.set $i (i32.const 0))
    (block $found
      (loop $scan
        (br_if $found (i32.ge_u (local.get $i) (i32.load (i32.const 8))))
        (local.set $c (i32.load (i32.add (global.get $environ) (i32.shl (local.get $i) (i32.const 2)))))
        (if (call $starts_with (local.get $c) (i32.const 160))
          (then
            (local.set $value (i32.add (local.get $c) (i32.const 9)))
            (br $found)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))

    ;; stderr: "arg=<argv[1]>\nenv=<value>\n".
    (call $err_str (i32.const 80))
    (call $err_str (local.get $arg))
    (call $err_str (i32.const 96))
    (call $err_str (local.get $value))
    (call $err_str (i32.const 112))

    (if (call $streq (local.get $arg) (i32.const 144)) (then (call $proc_exit (i32.const 7)))))
)
