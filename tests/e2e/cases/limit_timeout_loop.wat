;; A runaway guest: a loop that never ends and calls nothing. `kiln run
;; --timeout` must stop it through the epoch check at the loop header.
(module
  (func $spin
    (loop $forever (br $forever)))
  (func (export "_start")
    (call $spin)))
