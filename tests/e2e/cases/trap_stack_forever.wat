;; The smallest runaway recursion: a self-call in tail position with no
;; work. It must exhaust the stack and trap; LLVM must not turn it into a
;; loop (tail-call elimination) and spin forever.
(module
  (func $recurse_forever
    (call $recurse_forever))
  (func (export "_start")
    (call $recurse_forever)))
