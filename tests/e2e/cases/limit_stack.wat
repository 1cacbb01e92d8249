;; Recursion 20,000 deep: fine with the thread's 8 MiB stack, too deep for a
;; 64 KiB budget (kiln run --max-stack).
(module
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (local.get $n)
      (then (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))
      (else (i32.const 0)))))
