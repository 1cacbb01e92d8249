// 128-bit SIMD (the 0xFD instructions): lowered to LLVM's generic vector IR
// and intrinsics, which the x86 backend selects to SSE instructions.
//
// A v128 is <2 x i64> (mc_.v128Ty) on the operand stack, in locals and in
// globals; each instruction bitcasts its operands to the lane shape it
// works on and its result back. The bitcasts cost nothing in machine code.
//
// Semantics that LLVM's generic operations do not give for free:
//  - f32x4/f64x2 min/max are IEEE 754-2019 minimum/maximum (NaN
//    propagates, -0 < +0), built from selects x86 matches to minps/maxps;
//    pmin/pmax are plain selects that pass NaNs through.
//  - Float arithmetic with a constant operand is quieted lane-wise, as in
//    lower_numeric.cpp: LLVM folds x*1, x+(-0), x/1 ... to x.
//  - trunc_sat clamps before converting (llvm.fpto[su]i.sat is scalarised
//    on x86), out-of-range i8x16.swizzle indices give 0, shift counts are
//    taken modulo the lane width, comparisons give all-ones lanes.
#include <llvm/IR/Intrinsics.h>

#include "codegen/function_translator.h"

namespace kiln::codegen {

using wasm::Opcode;
using llvm::Intrinsic::ID;

namespace {

enum class Lane { I8, I16, I32, I64, F32, F64 };

// Vector helpers that need only the builder and the module context.
struct VecBuilder {
  llvm::IRBuilder<>& b;
  ModuleContext& mc;

  llvm::Type* laneType(Lane l) const {
    switch (l) {
      case Lane::I8: return mc.i8Ty;
      case Lane::I16: return mc.i16Ty;
      case Lane::I32: return mc.i32Ty;
      case Lane::I64: return mc.i64Ty;
      case Lane::F32: return mc.f32Ty;
      case Lane::F64: return mc.f64Ty;
    }
    return mc.i8Ty;
  }
  static unsigned laneCount(Lane l) {
    switch (l) {
      case Lane::I8: return 16;
      case Lane::I16: return 8;
      case Lane::I32: case Lane::F32: return 4;
      case Lane::I64: case Lane::F64: return 2;
    }
    return 16;
  }
  llvm::FixedVectorType* type(Lane l) const { return llvm::FixedVectorType::get(laneType(l), laneCount(l)); }

  // `v` (any 128-bit vector) as lanes of `l`. Looks through the bitcast the
  // previous instruction added, so -O0 code does not bounce between shapes.
  llvm::Value* as(llvm::Value* v, Lane l) const { return castTo(v, type(l)); }
  llvm::Value* v128(llvm::Value* v) const { return castTo(v, mc.v128Ty); }
  llvm::Value* castTo(llvm::Value* v, llvm::Type* t) const {
    if (v->getType() == t) return v;
    if (auto* cast = llvm::dyn_cast<llvm::BitCastInst>(v)) {
      if (cast->getOperand(0)->getType() == t) return cast->getOperand(0);
    }
    return b.CreateBitCast(v, t);
  }

  // Lanes [first, first + count) of `v`.
  llvm::Value* lanes(llvm::Value* v, unsigned first, unsigned count) const {
    llvm::SmallVector<int, 16> mask;
    for (unsigned i = 0; i < count; ++i) mask.push_back(static_cast<int>(first + i));
    return b.CreateShuffleVector(v, mask);
  }
  // The low or high half of `v`'s lanes.
  llvm::Value* half(llvm::Value* v, bool high) const {
    unsigned n = llvm::cast<llvm::FixedVectorType>(v->getType())->getNumElements();
    return lanes(v, high ? n / 2 : 0, n / 2);
  }
  // Every second lane of `v`, starting at `first` (0 or 1).
  llvm::Value* strided(llvm::Value* v, unsigned first) const {
    unsigned n = llvm::cast<llvm::FixedVectorType>(v->getType())->getNumElements();
    llvm::SmallVector<int, 16> mask;
    for (unsigned i = first; i < n; i += 2) mask.push_back(static_cast<int>(i));
    return b.CreateShuffleVector(v, mask);
  }
  // The lanes of `lo` followed by those of `hi`.
  llvm::Value* concat(llvm::Value* lo, llvm::Value* hi) const {
    unsigned n = llvm::cast<llvm::FixedVectorType>(lo->getType())->getNumElements();
    llvm::SmallVector<int, 32> mask;
    for (unsigned i = 0; i < 2 * n; ++i) mask.push_back(static_cast<int>(i));
    return b.CreateShuffleVector(lo, hi, mask);
  }
  // `v`'s lanes followed by as many zero lanes.
  llvm::Value* withZeroHigh(llvm::Value* v) const { return concat(v, llvm::Constant::getNullValue(v->getType())); }

  // Lane type widened to twice the bits, same lane count as `v`.
  llvm::Type* widened(llvm::Value* v) const {
    auto* vt = llvm::cast<llvm::FixedVectorType>(v->getType());
    return llvm::FixedVectorType::get(b.getIntNTy(vt->getScalarSizeInBits() * 2), vt->getNumElements());
  }
  llvm::Value* extend(llvm::Value* v, bool isSigned) const {
    return isSigned ? b.CreateSExt(v, widened(v)) : b.CreateZExt(v, widened(v));
  }

  llvm::Value* splat(llvm::Type* vecType, int64_t value) const {
    return llvm::ConstantInt::get(vecType, static_cast<uint64_t>(value), /*isSigned=*/true);
  }

  llvm::Value* intrinsic(ID id, llvm::ArrayRef<llvm::Type*> types, llvm::ArrayRef<llvm::Value*> args) const {
    llvm::Function* fn = llvm::Intrinsic::getDeclaration(&mc.llvmModule, id, types);
    return b.CreateCall(fn, args);
  }

  // Lane-wise: NaN ? NaN with the quiet bit set : lane.
  llvm::Value* quietNaN(llvm::Value* v) const {
    auto* vt = llvm::cast<llvm::FixedVectorType>(v->getType());
    unsigned bits = vt->getScalarSizeInBits();
    auto* intTy = llvm::FixedVectorType::get(b.getIntNTy(bits), vt->getNumElements());
    llvm::Value* quietBit = llvm::ConstantInt::get(intTy, llvm::APInt::getOneBitSet(bits, bits == 32 ? 22 : 51));
    llvm::Value* quieted = b.CreateBitCast(b.CreateOr(b.CreateBitCast(v, intTy), quietBit), vt);
    return b.CreateSelect(b.CreateFCmpUNO(v, v), quieted, v);
  }

  // A lane-shape comparison result (<N x i1>) as all-ones / all-zeros lanes.
  llvm::Value* mask(llvm::Value* cmp, Lane l) const {
    auto* vt = type(l);
    auto* intTy = llvm::FixedVectorType::get(b.getIntNTy(vt->getScalarSizeInBits()), vt->getNumElements());
    return b.CreateSExt(cmp, intTy);
  }
};

}  // namespace

bool FunctionTranslator::lowerSimd(const wasm::Instr& instr) {
  VecBuilder vb{b_, mc_};
  using P = llvm::CmpInst::Predicate;

  // ---- shapes of operand-stack work ----------------------------------------
  auto unary = [&](Lane l, auto&& fn) {
    llvm::Value* v = vb.as(pop(), l);
    push(vb.v128(fn(v)));
    return true;
  };
  auto binary = [&](Lane l, auto&& fn) {
    llvm::Value* rhs = vb.as(pop(), l);
    llvm::Value* lhs = vb.as(pop(), l);
    push(vb.v128(fn(lhs, rhs)));
    return true;
  };
  auto intrinsic1 = [&](Lane l, ID id) {
    return unary(l, [&](llvm::Value* v) { return vb.intrinsic(id, {v->getType()}, {v}); });
  };
  auto intrinsic2 = [&](Lane l, ID id) {
    return binary(l, [&](llvm::Value* x, llvm::Value* y) { return vb.intrinsic(id, {x->getType()}, {x, y}); });
  };
  auto icmp = [&](Lane l, P p) {
    return binary(l, [&](llvm::Value* x, llvm::Value* y) { return vb.mask(b_.CreateICmp(p, x, y), l); });
  };
  // Ordered comparisons are false for NaN lanes; `ne` is the unordered one.
  auto fcmp = [&](Lane l, P p) {
    return binary(l, [&](llvm::Value* x, llvm::Value* y) { return vb.mask(b_.CreateFCmp(p, x, y), l); });
  };
  auto floatArith = [&](Lane l, llvm::Instruction::BinaryOps op) {
    llvm::Value* rhs = pop();
    llvm::Value* lhs = pop();
    bool constant = isFoldableIdentity(lhs, vb.type(l)) || isFoldableIdentity(rhs, vb.type(l));
    llvm::Value* result = b_.CreateBinOp(op, vb.as(lhs, l), vb.as(rhs, l));
    if (constant) result = vb.quietNaN(result);
    push(vb.v128(result));
    return true;
  };
  // IEEE 754-2019 minimum/maximum. x86's minps/maxps compute `x < y ? x :
  // y` (`x > y ? x : y`), returning the second operand for NaNs and for
  // zeros of either sign. Computed in both operand orders, the two agree
  // except on zeros of different signs, where OR (min) or AND (max) of the
  // bits gives -0 or +0. Lanes with a NaN operand become the canonical NaN,
  // which wasm allows for any NaN input. (llvm.minimum/maximum plus
  // quieting takes twice as many instructions.)
  auto minMax = [&](Lane l, bool isMin) {
    return binary(l, [&](llvm::Value* x, llvm::Value* y) {
      P p = isMin ? P::FCMP_OLT : P::FCMP_OGT;
      llvm::Value* xy = b_.CreateSelect(b_.CreateFCmp(p, x, y), x, y);
      llvm::Value* yx = b_.CreateSelect(b_.CreateFCmp(p, y, x), y, x);
      llvm::Type* intTy = llvm::VectorType::getInteger(llvm::cast<llvm::VectorType>(x->getType()));
      llvm::Value* xyBits = b_.CreateBitCast(xy, intTy);
      llvm::Value* yxBits = b_.CreateBitCast(yx, intTy);
      llvm::Value* merged = b_.CreateBitCast(isMin ? b_.CreateOr(xyBits, yxBits) : b_.CreateAnd(xyBits, yxBits),
                                             x->getType());
      llvm::Value* nan = l == Lane::F32 ? constF32(0x7fc00000u) : constF64(0x7ff8000000000000ull);
      llvm::Value* canonical = b_.CreateVectorSplat(VecBuilder::laneCount(l), nan);
      return b_.CreateSelect(b_.CreateFCmpUNO(x, y), canonical, merged);
    });
  };
  // Saturating float-to-int, lane-wise: NaN gives 0, out-of-range values
  // the nearest bound. llvm.fpto[su]i.sat is scalarised on x86; clamping
  // into range first lets a plain fpto[su]i select cvttps2dq/cvttpd2dq.
  auto truncSatLanes = [&](llvm::Value* v, bool isSigned) -> llvm::Value* {
    llvm::Type* t = v->getType();
    auto* vt = llvm::cast<llvm::FixedVectorType>(t);
    auto* intTy = llvm::FixedVectorType::get(mc_.i32Ty, vt->getNumElements());
    auto fconst = [&](double d) { return llvm::ConstantFP::get(t, d); };
    llvm::Value* x = b_.CreateSelect(b_.CreateFCmpORD(v, v), v, llvm::Constant::getNullValue(t));
    llvm::Value* lower = fconst(isSigned ? -2147483648.0 : 0.0);
    x = b_.CreateSelect(b_.CreateFCmpOLT(x, lower), lower, x);
    if (t->getScalarType()->isDoubleTy()) {
      // Both bounds are exact doubles: clamping is saturating.
      llvm::Value* upper = fconst(isSigned ? 2147483647.0 : 4294967295.0);
      x = b_.CreateSelect(b_.CreateFCmpOGT(x, upper), upper, x);
      return isSigned ? b_.CreateFPToSI(x, intTy) : b_.CreateFPToUI(x, intTy);
    }
    // No float lies between the largest in-range one and 2^31 (2^32):
    // lanes at or above that give the maximum integer.
    llvm::Value* tooBig = b_.CreateFCmpOGE(x, fconst(isSigned ? 2147483648.0 : 4294967296.0));
    llvm::Value* largest = fconst(isSigned ? 2147483520.0 : 4294967040.0);
    x = b_.CreateSelect(b_.CreateFCmpOGT(x, largest), largest, x);
    llvm::Value* r = isSigned ? b_.CreateFPToSI(x, intTy) : b_.CreateFPToUI(x, intTy);
    llvm::Value* maxInt = llvm::ConstantInt::get(intTy, isSigned ? 0x7fffffffu : 0xffffffffu);
    return b_.CreateSelect(tooBig, maxInt, r);
  };
  auto truncSat = [&](Lane from, bool isSigned) {
    return unary(from, [&](llvm::Value* v) -> llvm::Value* {
      // f64x2 gives two lanes; the upper two are zero.
      if (from == Lane::F64) return vb.withZeroHigh(truncSatLanes(v, isSigned));
      return truncSatLanes(v, isSigned);
    });
  };

  // Shift counts are taken modulo the lane width.
  auto shift = [&](Lane l, llvm::Instruction::BinaryOps op) {
    llvm::Value* count = pop();
    llvm::Value* v = vb.as(pop(), l);
    auto* vt = llvm::cast<llvm::FixedVectorType>(v->getType());
    unsigned bits = vt->getScalarSizeInBits();
    count = b_.CreateAnd(count, b_.getInt32(bits - 1));
    count = b_.CreateZExtOrTrunc(count, vt->getElementType());
    push(vb.v128(b_.CreateBinOp(op, v, b_.CreateVectorSplat(vt->getNumElements(), count))));
    return true;
  };
  auto splat = [&](Lane l) {
    llvm::Value* scalar = pop();
    llvm::Type* laneTy = vb.laneType(l);
    if (scalar->getType() != laneTy) scalar = b_.CreateTrunc(scalar, laneTy);
    push(vb.v128(b_.CreateVectorSplat(VecBuilder::laneCount(l), scalar)));
    return true;
  };
  auto extractLane = [&](Lane l, bool signExtend) {
    llvm::Value* lane = b_.CreateExtractElement(vb.as(pop(), l), b_.getInt32(instr.lane));
    if (l == Lane::I8 || l == Lane::I16) {
      lane = signExtend ? b_.CreateSExt(lane, mc_.i32Ty) : b_.CreateZExt(lane, mc_.i32Ty);
    }
    push(lane);
    return true;
  };
  auto replaceLane = [&](Lane l) {
    llvm::Value* scalar = pop();
    llvm::Value* v = vb.as(pop(), l);
    llvm::Type* laneTy = vb.laneType(l);
    if (scalar->getType() != laneTy) scalar = b_.CreateTrunc(scalar, laneTy);
    push(vb.v128(b_.CreateInsertElement(v, scalar, b_.getInt32(instr.lane))));
    return true;
  };
  // all_true: no lane is zero.
  auto allTrue = [&](Lane l) {
    llvm::Value* v = vb.as(pop(), l);
    llvm::Value* nonZero = b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
    push(boolToI32(b_.CreateAndReduce(nonZero)));
    return true;
  };
  // bitmask: bit i of the result is lane i's sign bit.
  auto bitmask = [&](Lane l) {
    llvm::Value* v = vb.as(pop(), l);
    llvm::Value* negative = b_.CreateICmpSLT(v, llvm::Constant::getNullValue(v->getType()));
    llvm::Value* bits = b_.CreateBitCast(negative, b_.getIntNTy(VecBuilder::laneCount(l)));
    push(b_.CreateZExt(bits, mc_.i32Ty));
    return true;
  };
  // Saturating narrowing: both operands' lanes clamped to the narrow
  // type's (signed or unsigned) range, then truncated; the inputs are
  // always interpreted as signed.
  auto narrow = [&](Lane from, bool isSigned) {
    return binary(from, [&](llvm::Value* x, llvm::Value* y) {
      llvm::Value* both = vb.concat(x, y);
      unsigned bits = llvm::cast<llvm::FixedVectorType>(x->getType())->getScalarSizeInBits() / 2;
      int64_t lo = isSigned ? -(int64_t{1} << (bits - 1)) : 0;
      int64_t hi = isSigned ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
      llvm::Type* t = both->getType();
      llvm::Value* clamped = vb.intrinsic(llvm::Intrinsic::smax, {t}, {both, vb.splat(t, lo)});
      clamped = vb.intrinsic(llvm::Intrinsic::smin, {t}, {clamped, vb.splat(t, hi)});
      unsigned n = llvm::cast<llvm::FixedVectorType>(t)->getNumElements();
      return b_.CreateTrunc(clamped, llvm::FixedVectorType::get(b_.getIntNTy(bits), n));
    });
  };
  auto extendHalf = [&](Lane from, bool high, bool isSigned) {
    return unary(from, [&](llvm::Value* v) { return vb.extend(vb.half(v, high), isSigned); });
  };
  auto extmul = [&](Lane from, bool high, bool isSigned) {
    return binary(from, [&](llvm::Value* x, llvm::Value* y) {
      return b_.CreateMul(vb.extend(vb.half(x, high), isSigned), vb.extend(vb.half(y, high), isSigned));
    });
  };
  auto extaddPairwise = [&](Lane from, bool isSigned) {
    return unary(from, [&](llvm::Value* v) {
      return b_.CreateAdd(vb.extend(vb.strided(v, 0), isSigned), vb.extend(vb.strided(v, 1), isSigned));
    });
  };
  // Rounding average: (x + y + 1) >> 1 without overflow.
  auto avgr = [&](Lane l) {
    return binary(l, [&](llvm::Value* x, llvm::Value* y) {
      llvm::Value* wx = vb.extend(x, false);
      llvm::Value* wy = vb.extend(y, false);
      llvm::Value* sum = b_.CreateAdd(b_.CreateAdd(wx, wy), vb.splat(wx->getType(), 1));
      return b_.CreateTrunc(b_.CreateLShr(sum, vb.splat(wx->getType(), 1)), x->getType());
    });
  };
  auto absInt = [&](Lane l) {
    // is_int_min_poison = false: abs(INT_MIN) is INT_MIN in wasm.
    return unary(l, [&](llvm::Value* v) {
      return vb.intrinsic(llvm::Intrinsic::abs, {v->getType()}, {v, b_.getFalse()});
    });
  };
  auto negInt = [&](Lane l) { return unary(l, [&](llvm::Value* v) { return b_.CreateNeg(v); }); };

  // ---- memory ----------------------------------------------------------------
  auto loadRaw = [&](llvm::Type* memType, uint64_t size) {
    llvm::Value* addr = linearAddress(pop(), instr.value, static_cast<uint32_t>(size));
    return linearLoad(memType, addr);
  };
  auto storeRaw = [&](llvm::Value* addressOperand, llvm::Value* value, uint64_t size) {
    llvm::Value* addr = linearAddress(addressOperand, instr.value, static_cast<uint32_t>(size));
    auto* st = b_.CreateAlignedStore(value, addr, llvm::Align(1));
    st->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaLinearMemory);
  };
  auto loadExtend = [&](Lane to, bool isSigned) {
    // Half as many bytes as a v128: lanes of half the width.
    auto* toTy = vb.type(to);
    unsigned n = toTy->getNumElements();
    auto* memTy = llvm::FixedVectorType::get(b_.getIntNTy(toTy->getScalarSizeInBits() / 2), n);
    llvm::Value* v = loadRaw(memTy, 8);
    push(vb.v128(vb.extend(v, isSigned)));
    return true;
  };
  auto loadSplat = [&](Lane l) {
    llvm::Type* laneTy = vb.laneType(l);
    llvm::Value* v = loadRaw(laneTy, laneTy->getPrimitiveSizeInBits() / 8);
    push(vb.v128(b_.CreateVectorSplat(VecBuilder::laneCount(l), v)));
    return true;
  };
  auto loadZero = [&](Lane l) {
    llvm::Type* laneTy = vb.laneType(l);
    llvm::Value* v = loadRaw(laneTy, laneTy->getPrimitiveSizeInBits() / 8);
    push(vb.v128(b_.CreateInsertElement(llvm::Constant::getNullValue(vb.type(l)), v, uint64_t{0})));
    return true;
  };
  auto loadLane = [&](Lane l) {
    llvm::Value* v = vb.as(pop(), l);
    llvm::Type* laneTy = vb.laneType(l);
    llvm::Value* scalar = loadRaw(laneTy, laneTy->getPrimitiveSizeInBits() / 8);
    push(vb.v128(b_.CreateInsertElement(v, scalar, b_.getInt32(instr.lane))));
    return true;
  };
  auto storeLane = [&](Lane l) {
    llvm::Value* v = vb.as(pop(), l);
    llvm::Value* address = pop();
    llvm::Type* laneTy = vb.laneType(l);
    storeRaw(address, b_.CreateExtractElement(v, b_.getInt32(instr.lane)), laneTy->getPrimitiveSizeInBits() / 8);
    return true;
  };

  using BO = llvm::Instruction::BinaryOps;
  namespace I = llvm::Intrinsic;
  switch (instr.op) {
    // ---- memory ----
    case Opcode::V128Load: push(loadRaw(mc_.v128Ty, 16)); return true;
    case Opcode::V128Load8x8S: return loadExtend(Lane::I16, true);
    case Opcode::V128Load8x8U: return loadExtend(Lane::I16, false);
    case Opcode::V128Load16x4S: return loadExtend(Lane::I32, true);
    case Opcode::V128Load16x4U: return loadExtend(Lane::I32, false);
    case Opcode::V128Load32x2S: return loadExtend(Lane::I64, true);
    case Opcode::V128Load32x2U: return loadExtend(Lane::I64, false);
    case Opcode::V128Load8Splat: return loadSplat(Lane::I8);
    case Opcode::V128Load16Splat: return loadSplat(Lane::I16);
    case Opcode::V128Load32Splat: return loadSplat(Lane::I32);
    case Opcode::V128Load64Splat: return loadSplat(Lane::I64);
    case Opcode::V128Load32Zero: return loadZero(Lane::I32);
    case Opcode::V128Load64Zero: return loadZero(Lane::I64);
    case Opcode::V128Store: {
      llvm::Value* v = vb.v128(pop());
      storeRaw(pop(), v, 16);
      return true;
    }
    case Opcode::V128Load8Lane: return loadLane(Lane::I8);
    case Opcode::V128Load16Lane: return loadLane(Lane::I16);
    case Opcode::V128Load32Lane: return loadLane(Lane::I32);
    case Opcode::V128Load64Lane: return loadLane(Lane::I64);
    case Opcode::V128Store8Lane: return storeLane(Lane::I8);
    case Opcode::V128Store16Lane: return storeLane(Lane::I16);
    case Opcode::V128Store32Lane: return storeLane(Lane::I32);
    case Opcode::V128Store64Lane: return storeLane(Lane::I64);

    // ---- constants, shuffles, lanes ----
    case Opcode::V128Const: {
      const auto& bytes = body_.v128Consts[instr.index];
      uint64_t halves[2] = {0, 0};
      for (int i = 7; i >= 0; --i) halves[0] = (halves[0] << 8) | bytes[i];
      for (int i = 15; i >= 8; --i) halves[1] = (halves[1] << 8) | bytes[i];
      push(llvm::ConstantDataVector::get(mc_.ctx, llvm::ArrayRef<uint64_t>(halves, 2)));
      return true;
    }
    case Opcode::I8x16Shuffle: {
      const auto& indices = body_.v128Consts[instr.index];
      llvm::SmallVector<int, 16> mask(indices.begin(), indices.end());
      return binary(Lane::I8, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateShuffleVector(x, y, mask); });
    }
    case Opcode::I8x16Swizzle:
      // Lane i = x[y[i]], or 0 when y[i] >= 16. Written as a variable
      // permute of in-range indices, which x86 selects to pshufb, then
      // masked.
      return binary(Lane::I8, [&](llvm::Value* x, llvm::Value* y) {
        llvm::Value* index = b_.CreateAnd(y, vb.splat(y->getType(), 15));
        llvm::Value* result = llvm::PoisonValue::get(x->getType());
        for (unsigned i = 0; i < 16; ++i) {
          llvm::Value* lane = b_.CreateExtractElement(x, b_.CreateExtractElement(index, b_.getInt32(i)));
          result = b_.CreateInsertElement(result, lane, b_.getInt32(i));
        }
        llvm::Value* inRange = b_.CreateICmpULT(y, vb.splat(y->getType(), 16));
        return b_.CreateSelect(inRange, result, llvm::Constant::getNullValue(x->getType()));
      });
    case Opcode::I8x16Splat: return splat(Lane::I8);
    case Opcode::I16x8Splat: return splat(Lane::I16);
    case Opcode::I32x4Splat: return splat(Lane::I32);
    case Opcode::I64x2Splat: return splat(Lane::I64);
    case Opcode::F32x4Splat: return splat(Lane::F32);
    case Opcode::F64x2Splat: return splat(Lane::F64);
    case Opcode::I8x16ExtractLaneS: return extractLane(Lane::I8, true);
    case Opcode::I8x16ExtractLaneU: return extractLane(Lane::I8, false);
    case Opcode::I16x8ExtractLaneS: return extractLane(Lane::I16, true);
    case Opcode::I16x8ExtractLaneU: return extractLane(Lane::I16, false);
    case Opcode::I32x4ExtractLane: return extractLane(Lane::I32, false);
    case Opcode::I64x2ExtractLane: return extractLane(Lane::I64, false);
    case Opcode::F32x4ExtractLane: return extractLane(Lane::F32, false);
    case Opcode::F64x2ExtractLane: return extractLane(Lane::F64, false);
    case Opcode::I8x16ReplaceLane: return replaceLane(Lane::I8);
    case Opcode::I16x8ReplaceLane: return replaceLane(Lane::I16);
    case Opcode::I32x4ReplaceLane: return replaceLane(Lane::I32);
    case Opcode::I64x2ReplaceLane: return replaceLane(Lane::I64);
    case Opcode::F32x4ReplaceLane: return replaceLane(Lane::F32);
    case Opcode::F64x2ReplaceLane: return replaceLane(Lane::F64);

    // ---- comparisons ----
    case Opcode::I8x16Eq: return icmp(Lane::I8, P::ICMP_EQ);
    case Opcode::I8x16Ne: return icmp(Lane::I8, P::ICMP_NE);
    case Opcode::I8x16LtS: return icmp(Lane::I8, P::ICMP_SLT);
    case Opcode::I8x16LtU: return icmp(Lane::I8, P::ICMP_ULT);
    case Opcode::I8x16GtS: return icmp(Lane::I8, P::ICMP_SGT);
    case Opcode::I8x16GtU: return icmp(Lane::I8, P::ICMP_UGT);
    case Opcode::I8x16LeS: return icmp(Lane::I8, P::ICMP_SLE);
    case Opcode::I8x16LeU: return icmp(Lane::I8, P::ICMP_ULE);
    case Opcode::I8x16GeS: return icmp(Lane::I8, P::ICMP_SGE);
    case Opcode::I8x16GeU: return icmp(Lane::I8, P::ICMP_UGE);
    case Opcode::I16x8Eq: return icmp(Lane::I16, P::ICMP_EQ);
    case Opcode::I16x8Ne: return icmp(Lane::I16, P::ICMP_NE);
    case Opcode::I16x8LtS: return icmp(Lane::I16, P::ICMP_SLT);
    case Opcode::I16x8LtU: return icmp(Lane::I16, P::ICMP_ULT);
    case Opcode::I16x8GtS: return icmp(Lane::I16, P::ICMP_SGT);
    case Opcode::I16x8GtU: return icmp(Lane::I16, P::ICMP_UGT);
    case Opcode::I16x8LeS: return icmp(Lane::I16, P::ICMP_SLE);
    case Opcode::I16x8LeU: return icmp(Lane::I16, P::ICMP_ULE);
    case Opcode::I16x8GeS: return icmp(Lane::I16, P::ICMP_SGE);
    case Opcode::I16x8GeU: return icmp(Lane::I16, P::ICMP_UGE);
    case Opcode::I32x4Eq: return icmp(Lane::I32, P::ICMP_EQ);
    case Opcode::I32x4Ne: return icmp(Lane::I32, P::ICMP_NE);
    case Opcode::I32x4LtS: return icmp(Lane::I32, P::ICMP_SLT);
    case Opcode::I32x4LtU: return icmp(Lane::I32, P::ICMP_ULT);
    case Opcode::I32x4GtS: return icmp(Lane::I32, P::ICMP_SGT);
    case Opcode::I32x4GtU: return icmp(Lane::I32, P::ICMP_UGT);
    case Opcode::I32x4LeS: return icmp(Lane::I32, P::ICMP_SLE);
    case Opcode::I32x4LeU: return icmp(Lane::I32, P::ICMP_ULE);
    case Opcode::I32x4GeS: return icmp(Lane::I32, P::ICMP_SGE);
    case Opcode::I32x4GeU: return icmp(Lane::I32, P::ICMP_UGE);
    case Opcode::I64x2Eq: return icmp(Lane::I64, P::ICMP_EQ);
    case Opcode::I64x2Ne: return icmp(Lane::I64, P::ICMP_NE);
    case Opcode::I64x2LtS: return icmp(Lane::I64, P::ICMP_SLT);
    case Opcode::I64x2GtS: return icmp(Lane::I64, P::ICMP_SGT);
    case Opcode::I64x2LeS: return icmp(Lane::I64, P::ICMP_SLE);
    case Opcode::I64x2GeS: return icmp(Lane::I64, P::ICMP_SGE);
    case Opcode::F32x4Eq: return fcmp(Lane::F32, P::FCMP_OEQ);
    case Opcode::F32x4Ne: return fcmp(Lane::F32, P::FCMP_UNE);
    case Opcode::F32x4Lt: return fcmp(Lane::F32, P::FCMP_OLT);
    case Opcode::F32x4Gt: return fcmp(Lane::F32, P::FCMP_OGT);
    case Opcode::F32x4Le: return fcmp(Lane::F32, P::FCMP_OLE);
    case Opcode::F32x4Ge: return fcmp(Lane::F32, P::FCMP_OGE);
    case Opcode::F64x2Eq: return fcmp(Lane::F64, P::FCMP_OEQ);
    case Opcode::F64x2Ne: return fcmp(Lane::F64, P::FCMP_UNE);
    case Opcode::F64x2Lt: return fcmp(Lane::F64, P::FCMP_OLT);
    case Opcode::F64x2Gt: return fcmp(Lane::F64, P::FCMP_OGT);
    case Opcode::F64x2Le: return fcmp(Lane::F64, P::FCMP_OLE);
    case Opcode::F64x2Ge: return fcmp(Lane::F64, P::FCMP_OGE);

    // ---- bitwise ----
    case Opcode::V128Not: return unary(Lane::I64, [&](llvm::Value* v) { return b_.CreateNot(v); });
    case Opcode::V128And: return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateAnd(x, y); });
    case Opcode::V128Andnot:
      return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateAnd(x, b_.CreateNot(y)); });
    case Opcode::V128Or: return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateOr(x, y); });
    case Opcode::V128Xor: return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateXor(x, y); });
    case Opcode::V128Bitselect: {
      llvm::Value* c = vb.v128(pop());
      llvm::Value* y = vb.v128(pop());
      llvm::Value* x = vb.v128(pop());
      push(b_.CreateOr(b_.CreateAnd(x, c), b_.CreateAnd(y, b_.CreateNot(c))));
      return true;
    }
    case Opcode::V128AnyTrue: {
      llvm::Value* bits = b_.CreateBitCast(vb.v128(pop()), b_.getInt128Ty());
      push(boolToI32(b_.CreateICmpNE(bits, llvm::ConstantInt::get(bits->getType(), 0))));
      return true;
    }

    // ---- integer lanes ----
    case Opcode::I8x16Abs: return absInt(Lane::I8);
    case Opcode::I16x8Abs: return absInt(Lane::I16);
    case Opcode::I32x4Abs: return absInt(Lane::I32);
    case Opcode::I64x2Abs: return absInt(Lane::I64);
    case Opcode::I8x16Neg: return negInt(Lane::I8);
    case Opcode::I16x8Neg: return negInt(Lane::I16);
    case Opcode::I32x4Neg: return negInt(Lane::I32);
    case Opcode::I64x2Neg: return negInt(Lane::I64);
    case Opcode::I8x16Popcnt: return intrinsic1(Lane::I8, I::ctpop);
    case Opcode::I8x16AllTrue: return allTrue(Lane::I8);
    case Opcode::I16x8AllTrue: return allTrue(Lane::I16);
    case Opcode::I32x4AllTrue: return allTrue(Lane::I32);
    case Opcode::I64x2AllTrue: return allTrue(Lane::I64);
    case Opcode::I8x16Bitmask: return bitmask(Lane::I8);
    case Opcode::I16x8Bitmask: return bitmask(Lane::I16);
    case Opcode::I32x4Bitmask: return bitmask(Lane::I32);
    case Opcode::I64x2Bitmask: return bitmask(Lane::I64);
    case Opcode::I8x16NarrowI16x8S: return narrow(Lane::I16, true);
    case Opcode::I8x16NarrowI16x8U: return narrow(Lane::I16, false);
    case Opcode::I16x8NarrowI32x4S: return narrow(Lane::I32, true);
    case Opcode::I16x8NarrowI32x4U: return narrow(Lane::I32, false);
    case Opcode::I16x8ExtendLowI8x16S: return extendHalf(Lane::I8, false, true);
    case Opcode::I16x8ExtendHighI8x16S: return extendHalf(Lane::I8, true, true);
    case Opcode::I16x8ExtendLowI8x16U: return extendHalf(Lane::I8, false, false);
    case Opcode::I16x8ExtendHighI8x16U: return extendHalf(Lane::I8, true, false);
    case Opcode::I32x4ExtendLowI16x8S: return extendHalf(Lane::I16, false, true);
    case Opcode::I32x4ExtendHighI16x8S: return extendHalf(Lane::I16, true, true);
    case Opcode::I32x4ExtendLowI16x8U: return extendHalf(Lane::I16, false, false);
    case Opcode::I32x4ExtendHighI16x8U: return extendHalf(Lane::I16, true, false);
    case Opcode::I64x2ExtendLowI32x4S: return extendHalf(Lane::I32, false, true);
    case Opcode::I64x2ExtendHighI32x4S: return extendHalf(Lane::I32, true, true);
    case Opcode::I64x2ExtendLowI32x4U: return extendHalf(Lane::I32, false, false);
    case Opcode::I64x2ExtendHighI32x4U: return extendHalf(Lane::I32, true, false);
    case Opcode::I8x16Shl: return shift(Lane::I8, BO::Shl);
    case Opcode::I8x16ShrS: return shift(Lane::I8, BO::AShr);
    case Opcode::I8x16ShrU: return shift(Lane::I8, BO::LShr);
    case Opcode::I16x8Shl: return shift(Lane::I16, BO::Shl);
    case Opcode::I16x8ShrS: return shift(Lane::I16, BO::AShr);
    case Opcode::I16x8ShrU: return shift(Lane::I16, BO::LShr);
    case Opcode::I32x4Shl: return shift(Lane::I32, BO::Shl);
    case Opcode::I32x4ShrS: return shift(Lane::I32, BO::AShr);
    case Opcode::I32x4ShrU: return shift(Lane::I32, BO::LShr);
    case Opcode::I64x2Shl: return shift(Lane::I64, BO::Shl);
    case Opcode::I64x2ShrS: return shift(Lane::I64, BO::AShr);
    case Opcode::I64x2ShrU: return shift(Lane::I64, BO::LShr);
    case Opcode::I8x16Add: return binary(Lane::I8, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateAdd(x, y); });
    case Opcode::I16x8Add: return binary(Lane::I16, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateAdd(x, y); });
    case Opcode::I32x4Add: return binary(Lane::I32, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateAdd(x, y); });
    case Opcode::I64x2Add: return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateAdd(x, y); });
    case Opcode::I8x16Sub: return binary(Lane::I8, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateSub(x, y); });
    case Opcode::I16x8Sub: return binary(Lane::I16, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateSub(x, y); });
    case Opcode::I32x4Sub: return binary(Lane::I32, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateSub(x, y); });
    case Opcode::I64x2Sub: return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateSub(x, y); });
    case Opcode::I16x8Mul: return binary(Lane::I16, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateMul(x, y); });
    case Opcode::I32x4Mul: return binary(Lane::I32, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateMul(x, y); });
    case Opcode::I64x2Mul: return binary(Lane::I64, [&](llvm::Value* x, llvm::Value* y) { return b_.CreateMul(x, y); });
    case Opcode::I8x16AddSatS: return intrinsic2(Lane::I8, I::sadd_sat);
    case Opcode::I8x16AddSatU: return intrinsic2(Lane::I8, I::uadd_sat);
    case Opcode::I8x16SubSatS: return intrinsic2(Lane::I8, I::ssub_sat);
    case Opcode::I8x16SubSatU: return intrinsic2(Lane::I8, I::usub_sat);
    case Opcode::I16x8AddSatS: return intrinsic2(Lane::I16, I::sadd_sat);
    case Opcode::I16x8AddSatU: return intrinsic2(Lane::I16, I::uadd_sat);
    case Opcode::I16x8SubSatS: return intrinsic2(Lane::I16, I::ssub_sat);
    case Opcode::I16x8SubSatU: return intrinsic2(Lane::I16, I::usub_sat);
    case Opcode::I8x16MinS: return intrinsic2(Lane::I8, I::smin);
    case Opcode::I8x16MinU: return intrinsic2(Lane::I8, I::umin);
    case Opcode::I8x16MaxS: return intrinsic2(Lane::I8, I::smax);
    case Opcode::I8x16MaxU: return intrinsic2(Lane::I8, I::umax);
    case Opcode::I16x8MinS: return intrinsic2(Lane::I16, I::smin);
    case Opcode::I16x8MinU: return intrinsic2(Lane::I16, I::umin);
    case Opcode::I16x8MaxS: return intrinsic2(Lane::I16, I::smax);
    case Opcode::I16x8MaxU: return intrinsic2(Lane::I16, I::umax);
    case Opcode::I32x4MinS: return intrinsic2(Lane::I32, I::smin);
    case Opcode::I32x4MinU: return intrinsic2(Lane::I32, I::umin);
    case Opcode::I32x4MaxS: return intrinsic2(Lane::I32, I::smax);
    case Opcode::I32x4MaxU: return intrinsic2(Lane::I32, I::umax);
    case Opcode::I8x16AvgrU: return avgr(Lane::I8);
    case Opcode::I16x8AvgrU: return avgr(Lane::I16);
    case Opcode::I16x8ExtaddPairwiseI8x16S: return extaddPairwise(Lane::I8, true);
    case Opcode::I16x8ExtaddPairwiseI8x16U: return extaddPairwise(Lane::I8, false);
    case Opcode::I32x4ExtaddPairwiseI16x8S: return extaddPairwise(Lane::I16, true);
    case Opcode::I32x4ExtaddPairwiseI16x8U: return extaddPairwise(Lane::I16, false);
    case Opcode::I16x8ExtmulLowI8x16S: return extmul(Lane::I8, false, true);
    case Opcode::I16x8ExtmulHighI8x16S: return extmul(Lane::I8, true, true);
    case Opcode::I16x8ExtmulLowI8x16U: return extmul(Lane::I8, false, false);
    case Opcode::I16x8ExtmulHighI8x16U: return extmul(Lane::I8, true, false);
    case Opcode::I32x4ExtmulLowI16x8S: return extmul(Lane::I16, false, true);
    case Opcode::I32x4ExtmulHighI16x8S: return extmul(Lane::I16, true, true);
    case Opcode::I32x4ExtmulLowI16x8U: return extmul(Lane::I16, false, false);
    case Opcode::I32x4ExtmulHighI16x8U: return extmul(Lane::I16, true, false);
    case Opcode::I64x2ExtmulLowI32x4S: return extmul(Lane::I32, false, true);
    case Opcode::I64x2ExtmulHighI32x4S: return extmul(Lane::I32, true, true);
    case Opcode::I64x2ExtmulLowI32x4U: return extmul(Lane::I32, false, false);
    case Opcode::I64x2ExtmulHighI32x4U: return extmul(Lane::I32, true, false);
    case Opcode::I16x8Q15mulrSatS:
      // (x * y + 0x4000) >> 15, saturated: only -32768 * -32768 overflows.
      return binary(Lane::I16, [&](llvm::Value* x, llvm::Value* y) {
        llvm::Value* product = b_.CreateMul(vb.extend(x, true), vb.extend(y, true));
        llvm::Type* t = product->getType();
        llvm::Value* rounded = b_.CreateAShr(b_.CreateAdd(product, vb.splat(t, 0x4000)), vb.splat(t, 15));
        llvm::Value* saturated = vb.intrinsic(I::smin, {t}, {rounded, vb.splat(t, 0x7fff)});
        return b_.CreateTrunc(saturated, x->getType());
      });
    case Opcode::I32x4DotI16x8S:
      return binary(Lane::I16, [&](llvm::Value* x, llvm::Value* y) {
        llvm::Value* products = b_.CreateMul(vb.extend(x, true), vb.extend(y, true));
        return b_.CreateAdd(vb.strided(products, 0), vb.strided(products, 1));
      });

    // ---- float lanes ----
    // abs and neg only touch the sign bit, NaN or not.
    case Opcode::F32x4Abs: return intrinsic1(Lane::F32, I::fabs);
    case Opcode::F64x2Abs: return intrinsic1(Lane::F64, I::fabs);
    case Opcode::F32x4Neg: return unary(Lane::F32, [&](llvm::Value* v) { return b_.CreateFNeg(v); });
    case Opcode::F64x2Neg: return unary(Lane::F64, [&](llvm::Value* v) { return b_.CreateFNeg(v); });
    case Opcode::F32x4Sqrt: return intrinsic1(Lane::F32, I::sqrt);
    case Opcode::F64x2Sqrt: return intrinsic1(Lane::F64, I::sqrt);
    case Opcode::F32x4Ceil: return intrinsic1(Lane::F32, I::ceil);
    case Opcode::F64x2Ceil: return intrinsic1(Lane::F64, I::ceil);
    case Opcode::F32x4Floor: return intrinsic1(Lane::F32, I::floor);
    case Opcode::F64x2Floor: return intrinsic1(Lane::F64, I::floor);
    case Opcode::F32x4Trunc: return intrinsic1(Lane::F32, I::trunc);
    case Opcode::F64x2Trunc: return intrinsic1(Lane::F64, I::trunc);
    case Opcode::F32x4Nearest: return intrinsic1(Lane::F32, I::roundeven);
    case Opcode::F64x2Nearest: return intrinsic1(Lane::F64, I::roundeven);
    case Opcode::F32x4Add: return floatArith(Lane::F32, BO::FAdd);
    case Opcode::F64x2Add: return floatArith(Lane::F64, BO::FAdd);
    case Opcode::F32x4Sub: return floatArith(Lane::F32, BO::FSub);
    case Opcode::F64x2Sub: return floatArith(Lane::F64, BO::FSub);
    case Opcode::F32x4Mul: return floatArith(Lane::F32, BO::FMul);
    case Opcode::F64x2Mul: return floatArith(Lane::F64, BO::FMul);
    case Opcode::F32x4Div: return floatArith(Lane::F32, BO::FDiv);
    case Opcode::F64x2Div: return floatArith(Lane::F64, BO::FDiv);
    case Opcode::F32x4Min: return minMax(Lane::F32, true);
    case Opcode::F64x2Min: return minMax(Lane::F64, true);
    case Opcode::F32x4Max: return minMax(Lane::F32, false);
    case Opcode::F64x2Max: return minMax(Lane::F64, false);
    // pmin is y < x ? y : x and pmax x < y ? y : x: NaNs pass through as is.
    case Opcode::F32x4Pmin: case Opcode::F64x2Pmin:
      return binary(instr.op == Opcode::F32x4Pmin ? Lane::F32 : Lane::F64, [&](llvm::Value* x, llvm::Value* y) {
        return b_.CreateSelect(b_.CreateFCmpOLT(y, x), y, x);
      });
    case Opcode::F32x4Pmax: case Opcode::F64x2Pmax:
      return binary(instr.op == Opcode::F32x4Pmax ? Lane::F32 : Lane::F64, [&](llvm::Value* x, llvm::Value* y) {
        return b_.CreateSelect(b_.CreateFCmpOLT(x, y), y, x);
      });

    // ---- conversions ----
    case Opcode::I32x4TruncSatF32x4S: return truncSat(Lane::F32, true);
    case Opcode::I32x4TruncSatF32x4U: return truncSat(Lane::F32, false);
    case Opcode::I32x4TruncSatF64x2SZero: return truncSat(Lane::F64, true);
    case Opcode::I32x4TruncSatF64x2UZero: return truncSat(Lane::F64, false);
    case Opcode::F32x4ConvertI32x4S:
      return unary(Lane::I32, [&](llvm::Value* v) { return b_.CreateSIToFP(v, vb.type(Lane::F32)); });
    case Opcode::F32x4ConvertI32x4U:
      return unary(Lane::I32, [&](llvm::Value* v) { return b_.CreateUIToFP(v, vb.type(Lane::F32)); });
    case Opcode::F64x2ConvertLowI32x4S:
      return unary(Lane::I32, [&](llvm::Value* v) { return b_.CreateSIToFP(vb.half(v, false), vb.type(Lane::F64)); });
    case Opcode::F64x2ConvertLowI32x4U:
      return unary(Lane::I32, [&](llvm::Value* v) { return b_.CreateUIToFP(vb.half(v, false), vb.type(Lane::F64)); });
    // As for the scalar demote/promote: LLVM folds demote(promote(x)) to
    // x, which would leave a signalling NaN unquieted.
    case Opcode::F32x4DemoteF64x2Zero:
      return unary(Lane::F64, [&](llvm::Value* v) {
        llvm::Value* r = b_.CreateFPTrunc(v, llvm::FixedVectorType::get(mc_.f32Ty, 2));
        if (llvm::isa<llvm::FPExtInst>(v)) r = vb.quietNaN(r);
        return vb.withZeroHigh(r);
      });
    case Opcode::F64x2PromoteLowF32x4:
      return unary(Lane::F32, [&](llvm::Value* v) {
        llvm::Value* r = b_.CreateFPExt(vb.half(v, false), vb.type(Lane::F64));
        if (llvm::isa<llvm::ShuffleVectorInst>(v) &&
            llvm::isa<llvm::FPTruncInst>(llvm::cast<llvm::ShuffleVectorInst>(v)->getOperand(0))) {
          r = vb.quietNaN(r);
        }
        return r;
      });

    default: return false;
  }
}

}  // namespace kiln::codegen
