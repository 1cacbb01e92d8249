;; A vectorized loop loads the elements of several iterations before it
;; stores any of them, and stores 16 bytes at once, so when a loop that
;; copies or fills runs off the end of memory in guard-page mode, the stores
;; of the last iterations before the faulting one were missing (the trap and
;; its kind were right). Explicit bounds checks, -O0 and V8 store them.
;; In guard-page mode AccessVersioningPass now runs the vectorized copy of a
;; loop only when every access of its whole run is in bounds
;; (compiler/codegen/access_versioning.h, Bounds).
(module
  (memory (export "memory") 1)
  (data (i32.const 64990) "\02\27\4c\71\96\bb\e0\06\2b\50\75\9a\bf\e4\0a\2f\54\79\9e\c3\e8\0e\33\58\7d\a2\c7\ec\12\37\5c\81\a6\cb\f0\16\3b\60\85\aa\cf\f4\1a\3f\64\89\ae\d3\f8\1e\43\68\8d\b2\d7\fc\22\47\6c\91\b6\db\01\26\4b\70\95\ba\df\05\2a\4f\74\99\be\e3\09\2e\53\78\9d\c2\e7\0d\32\57\7c\a1\c6\eb\11\36\5b\80\a5\ca\ef\15\3a\5f\84\a9\ce\f3\19\3e\63\88\ad\d2\f7\1d\42\67\8c\b1\d6\fb\21\46\6b\90\b5\da\ff\25\4a\6f\94\b9\de\04\29\4e\73\98\bd\e2\08\2d\52\77\9c\c1\e6\0c\31\56\7b\a0\c5\ea\10\35\5a\7f\a4\c9\ee\14\39\5e\83\a8\cd\f2\18\3d\62\87\ac\d1\f6\1c\41\66\8b\b0\d5\fa\20\45\6a\8f\b4\d9\fe\24\49\6e\93\b8\dd\03\28\4d\72\97\bc\e1\07\2c\51\76\9b\c0\e5\0b\30\55\7a\9f\c4\e9\0f\34\59\7e\a3\c8\ed\13\38\5d\82\a7\cc\f1\17\3c\61\86\ab\d0\f5\1b\40\65\8a\af\d4\f9\1f\44\69\8e\b3\d8\fd\23\48\6d\92\b7\dc\02\27\4c\71\96\bb\e0\06\2b\50\75\9a\bf\e4\0a\2f\54\79\9e\c3\e8\0e\33\58\7d\a2\c7\ec\12\37\5c\81\a6\cb\f0\16\3b\60\85\aa\cf\f4\1a\3f\64\89\ae\d3\f8\1e\43\68\8d\b2\d7\fc\22\47\6c\91\b6\db\01\26\4b\70\95\ba\df\05\2a\4f\74\99\be\e3\09\2e\53\78\9d\c2\e7\0d\32\57\7c\a1\c6\eb\11\36\5b\80\a5\ca\ef\15\3a\5f\84\a9\ce\f3\19\3e\63\88\ad\d2\f7\1d\42\67\8c\b1\d6\fb\21\46\6b\90\b5\da\ff\25\4a\6f\94\b9\de\04\29\4e\73\98\bd\e2\08\2d\52\77\9c\c1\e6\0c\31\56\7b\a0\c5\ea\10\35\5a\7f\a4\c9\ee\14\39\5e\83\a8\cd\f2\18\3d\62\87\ac\d1\f6\1c\41\66\8b\b0\d5\fa\20\45\6a\8f\b4\d9\fe\24\49\6e\93\b8\dd\03\28\4d\72\97\bc\e1\07\2c\51\76\9b\c0\e5\0b\30\55\7a\9f\c4\e9\0f\34\59\7e\a3\c8\ed\13\38\5d\82\a7\cc\f1\17\3c\61\86\ab\d0\f5\1b\40\65\8a\af\d4\f9\1f\44\69\8e\b3\d8\fd\23\48\6d\92\b7\dc\02\27\4c\71\96\bb\e0\06\2b\50\75\9a\bf\e4\0a\2f\54\79\9e\c3\e8\0e\33\58\7d\a2\c7\ec\12\37\5c\81\a6\cb\f0\16")
  ;; a copy loop that runs off the end: vectorized, loads of later iterations come first
  (func (export "copy") (result i32) (local $i i32)
    (loop $l
      (i32.store (i32.add (i32.const 200) (i32.shl (local.get $i) (i32.const 2)))
                 (i32.load (i32.add (i32.const 65000) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (i32.const 0))
  ;; a fill loop that runs off the end: memset idiom
  (func (export "fill") (result i32) (local $i i32)
    (loop $l
      (i32.store8 (i32.add (i32.const 65000) (local.get $i)) (i32.const 7))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (i32.const 0))
  ;; a loop whose loads the pass cannot bound (i*i): kept scalar
  (func (export "gather") (result i32) (local $i i32)
    (loop $l
      (i32.store (i32.add (i32.const 200) (i32.shl (local.get $i) (i32.const 2)))
                 (i32.load (i32.add (i32.const 64000) (i32.mul (local.get $i) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (i32.const 0))
)
