;; Loops and straight-line code that run into the end of memory: stores
;; before the faulting access stay visible, none after it, whatever LLVM
;; does with the loop (hoisting an invariant load, promoting a store out of
;; the loop, vectorizing, turning it into memset or memcpy, which used to
;; fault inside libc and crash the host). Run by scripts/fuzz.sh in every
;; campaign.
(module
  (memory (export "memory") 1)
  ;; nonzero bytes near the end, so that partial copies and sums show
  (data (i32.const 64990) "\02\27\4c\71\96\bb\e0\06\2b\50\75\9a\bf\e4\0a\2f\54\79\9e\c3\e8\0e\33\58\7d\a2\c7\ec\12\37\5c\81\a6\cb\f0\16\3b\60\85\aa\cf\f4\1a\3f\64\89\ae\d3\f8\1e\43\68\8d\b2\d7\fc\22\47\6c\91\b6\db\01\26\4b\70\95\ba\df\05\2a\4f\74\99\be\e3\09\2e\53\78\9d\c2\e7\0d\32\57\7c\a1\c6\eb\11\36\5b\80\a5\ca\ef\15\3a\5f\84\a9\ce\f3\19\3e\63\88\ad\d2\f7\1d\42\67\8c\b1\d6\fb\21\46\6b\90\b5\da\ff\25\4a\6f\94\b9\de\04\29\4e\73\98\bd\e2\08\2d\52\77\9c\c1\e6\0c\31\56\7b\a0\c5\ea\10\35\5a\7f\a4\c9\ee\14\39\5e\83\a8\cd\f2\18\3d\62\87\ac\d1\f6\1c\41\66\8b\b0\d5\fa\20\45\6a\8f\b4\d9\fe\24\49\6e\93\b8\dd\03\28\4d\72\97\bc\e1\07\2c\51\76\9b\c0\e5\0b\30\55\7a\9f\c4\e9\0f\34\59\7e\a3\c8\ed\13\38\5d\82\a7\cc\f1\17\3c\61\86\ab\d0\f5\1b\40\65\8a\af\d4\f9\1f\44\69\8e\b3\d8\fd\23\48\6d\92\b7\dc\02\27\4c\71\96\bb\e0\06\2b\50\75\9a\bf\e4\0a\2f\54\79\9e\c3\e8\0e\33\58\7d\a2\c7\ec\12\37\5c\81\a6\cb\f0\16\3b\60\85\aa\cf\f4\1a\3f\64\89\ae\d3\f8\1e\43\68\8d\b2\d7\fc\22\47\6c\91\b6\db\01\26\4b\70\95\ba\df\05\2a\4f\74\99\be\e3\09\2e\53\78\9d\c2\e7\0d\32\57\7c\a1\c6\eb\11\36\5b\80\a5\ca\ef\15\3a\5f\84\a9\ce\f3\19\3e\63\88\ad\d2\f7\1d\42\67\8c\b1\d6\fb\21\46\6b\90\b5\da\ff\25\4a\6f\94\b9\de\04\29\4e\73\98\bd\e2\08\2d\52\77\9c\c1\e6\0c\31\56\7b\a0\c5\ea\10\35\5a\7f\a4\c9\ee\14\39\5e\83\a8\cd\f2\18\3d\62\87\ac\d1\f6\1c\41\66\8b\b0\d5\fa\20\45\6a\8f\b4\d9\fe\24\49\6e\93\b8\dd\03\28\4d\72\97\bc\e1\07\2c\51\76\9b\c0\e5\0b\30\55\7a\9f\c4\e9\0f\34\59\7e\a3\c8\ed\13\38\5d\82\a7\cc\f1\17\3c\61\86\ab\d0\f5\1b\40\65\8a\af\d4\f9\1f\44\69\8e\b3\d8\fd\23\48\6d\92\b7\dc\02\27\4c\71\96\bb\e0\06\2b\50\75\9a\bf\e4\0a\2f\54\79\9e\c3\e8\0e\33\58\7d\a2\c7\ec\12\37\5c\81\a6\cb\f0\16")
  ;; an invariant load in a loop that stores first: LICM may hoist it
  (func (export "hoist") (result i32) (local $i i32) (local $s i32) (local $p i32)
    (local.set $p (i32.const 65536))
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.add (local.get $i) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (local.get $s))
  ;; a store to a fixed address in a loop whose load faults later: LICM may promote
  (func (export "promote") (result i32) (local $i i32)
    (loop $l
      (i32.store (i32.const 100) (i32.add (i32.load (i32.const 100)) (i32.load (i32.add (i32.const 65500) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
    (i32.load (i32.const 100)))
  ;; a store then a faulting load, straight line
  (func (export "store_then_load") (param $p i32) (result i32)
    (i32.store (i32.const 300) (i32.const 5))
    (i32.store (i32.const 304) (i32.const 6))
    (i32.add (i32.load (i32.const 65534)) (i32.const 1)))
  ;; a global written before a faulting load
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "global_then_load") (result i32)
    (global.set $g (i32.const 9))
    (i32.load (i32.const 65534)))
  (func (export "read_g") (result i32) (global.get $g))
  ;; a run of equal stores that crosses the end: MemCpyOpt merges it into
  ;; one memset, which must still fault in compiled code, after the stores
  ;; below the end
  (func (export "store_run") (result i32)
    (i64.store (i32.const 65400) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65408) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65416) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65424) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65432) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65440) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65448) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65456) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65464) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65472) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65480) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65488) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65496) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65504) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65512) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65520) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65528) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65536) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65544) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65552) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65560) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65568) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65576) (i64.const 0x0707070707070707))
    (i64.store (i32.const 65584) (i64.const 0x0707070707070707))
    (i32.const 0))
)
