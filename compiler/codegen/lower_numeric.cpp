// Integer and float operators and conversions, with exact wasm semantics:
// trapping division and float-to-int, masked shift counts, IEEE 754-2019
// minimum/maximum, round-half-even `nearest`.
#include <llvm/Analysis/ConstantFolding.h>
#include <llvm/IR/Intrinsics.h>

#include "codegen/function_translator.h"

namespace kiln::codegen {

using wasm::Opcode;
using llvm::Intrinsic::ID;

namespace {
enum class IntOp { Add, Sub, Mul, And, Or, Xor, Shl, ShrS, ShrU, Rotl, Rotr, DivS, DivU, RemS, RemU };
}  // namespace

bool FunctionTranslator::lowerNumeric(const wasm::Instr& instr) {
  auto binary = [&](auto&& fn) {
    llvm::Value* rhs = pop();
    llvm::Value* lhs = pop();
    push(fn(lhs, rhs));
    return true;
  };
  auto unary = [&](auto&& fn) {
    llvm::Value* v = pop();
    push(fn(v));
    return true;
  };
  auto icmp = [&](llvm::CmpInst::Predicate p) {
    return binary([&](llvm::Value* l, llvm::Value* r) { return boolToI32(b_.CreateICmp(p, l, r)); });
  };
  // Ordered comparisons are false for NaN; `ne` is the unordered one.
  auto fcmp = [&](llvm::CmpInst::Predicate p) {
    return binary([&](llvm::Value* l, llvm::Value* r) { return boolToI32(b_.CreateFCmp(p, l, r)); });
  };
  auto intrinsic1 = [&](ID id) {
    return unary([&](llvm::Value* v) { return callIntrinsic(id, {v->getType()}, {v}); });
  };
  auto intrinsic2 = [&](ID id) {
    return binary([&](llvm::Value* l, llvm::Value* r) { return callIntrinsic(id, {l->getType()}, {l, r}); });
  };
  // LLVM folds x+(-0), x-0, -0-x, x*1, x*-1, x/1, x/-1 to x or -x, which
  // leaves a signalling NaN unquieted; wasm wants an arithmetic NaN. Only
  // those constants enable the folds, so only then quiet the result (other
  // constants, like the 0.2 of a stencil, cost nothing extra).
  auto floatArith = [&](auto&& fn) {
    return binary([&](llvm::Value* l, llvm::Value* r) {
      llvm::Value* result = fn(l, r);
      if (isFoldableIdentity(l, l->getType()) || isFoldableIdentity(r, r->getType())) result = quietNaN(result);
      return result;
    });
  };
  auto bitCount = [&](ID id) {
    // is_zero_poison = false: clz(0) and ctz(0) are the bit width in wasm.
    return unary([&](llvm::Value* v) { return callIntrinsic(id, {v->getType()}, {v, b_.getFalse()}); });
  };
  auto intOp = [&](IntOp op) {
    return binary([&](llvm::Value* l, llvm::Value* r) -> llvm::Value* {
      unsigned bits = l->getType()->getIntegerBitWidth();
      llvm::Value* mask = llvm::ConstantInt::get(l->getType(), bits - 1);
      llvm::Value* zero = llvm::ConstantInt::get(l->getType(), 0);
      llvm::Value* minusOne = llvm::ConstantInt::get(l->getType(), -1, true);
      switch (op) {
        case IntOp::Add: {
          // address + small constant after an access at that address: no
          // wrap (see provenInBounds).
          auto smallConstant = [](llvm::Value* v) {
            auto* c = llvm::dyn_cast<llvm::ConstantInt>(v);
            return c && c->getBitWidth() == 32 && c->getZExtValue() <= 65536;
          };
          bool noWrap = (smallConstant(r) && provenInBounds(l)) || (smallConstant(l) && provenInBounds(r));
          return b_.CreateAdd(l, r, "", /*HasNUW=*/noWrap);
        }
        case IntOp::Sub: return b_.CreateSub(l, r);
        case IntOp::Mul: return b_.CreateMul(l, r);
        case IntOp::And: return b_.CreateAnd(l, r);
        case IntOp::Or: return b_.CreateOr(l, r);
        case IntOp::Xor: return b_.CreateXor(l, r);
        case IntOp::Shl: return b_.CreateShl(l, b_.CreateAnd(r, mask));
        case IntOp::ShrS: return b_.CreateAShr(l, b_.CreateAnd(r, mask));
        case IntOp::ShrU: return b_.CreateLShr(l, b_.CreateAnd(r, mask));
        case IntOp::Rotl: return callIntrinsic(llvm::Intrinsic::fshl, {l->getType()}, {l, l, r});
        case IntOp::Rotr: return callIntrinsic(llvm::Intrinsic::fshr, {l->getType()}, {l, l, r});
        case IntOp::DivU:
          trapIf(b_.CreateICmpEQ(r, zero), KILN_TRAP_INTEGER_DIVIDE_BY_ZERO);
          return b_.CreateUDiv(l, r);
        case IntOp::RemU:
          trapIf(b_.CreateICmpEQ(r, zero), KILN_TRAP_INTEGER_DIVIDE_BY_ZERO);
          return b_.CreateURem(l, r);
        case IntOp::DivS: {
          trapIf(b_.CreateICmpEQ(r, zero), KILN_TRAP_INTEGER_DIVIDE_BY_ZERO);
          llvm::Value* intMin = llvm::ConstantInt::get(l->getType(), llvm::APInt::getSignedMinValue(bits));
          trapIf(b_.CreateAnd(b_.CreateICmpEQ(l, intMin), b_.CreateICmpEQ(r, minusOne)),
                 KILN_TRAP_INTEGER_OVERFLOW);
          return b_.CreateSDiv(l, r);
        }
        case IntOp::RemS: {
          // INT_MIN % -1 is 0 in wasm but faults in x86's idiv: divide by 1
          // instead, which gives the same 0.
          trapIf(b_.CreateICmpEQ(r, zero), KILN_TRAP_INTEGER_DIVIDE_BY_ZERO);
          llvm::Value* safe = b_.CreateSelect(b_.CreateICmpEQ(r, minusOne), llvm::ConstantInt::get(l->getType(), 1), r);
          return b_.CreateSRem(l, safe);
        }
      }
      return nullptr;
    });
  };

  switch (instr.op) {
    case Opcode::I32Const: push(b_.getInt32(static_cast<uint32_t>(instr.value))); return true;
    case Opcode::I64Const: push(b_.getInt64(instr.value)); return true;
    case Opcode::F32Const: push(constF32(static_cast<uint32_t>(instr.value))); return true;
    case Opcode::F64Const: push(constF64(instr.value)); return true;

    case Opcode::I32Eqz:
    case Opcode::I64Eqz:
      return unary([&](llvm::Value* v) {
        return boolToI32(b_.CreateICmpEQ(v, llvm::ConstantInt::get(v->getType(), 0)));
      });
    case Opcode::I32Eq: case Opcode::I64Eq: return icmp(llvm::CmpInst::ICMP_EQ);
    case Opcode::I32Ne: case Opcode::I64Ne: return icmp(llvm::CmpInst::ICMP_NE);
    case Opcode::I32LtS: case Opcode::I64LtS: return icmp(llvm::CmpInst::ICMP_SLT);
    case Opcode::I32LtU: case Opcode::I64LtU: return icmp(llvm::CmpInst::ICMP_ULT);
    case Opcode::I32GtS: case Opcode::I64GtS: return icmp(llvm::CmpInst::ICMP_SGT);
    case Opcode::I32GtU: case Opcode::I64GtU: return icmp(llvm::CmpInst::ICMP_UGT);
    case Opcode::I32LeS: case Opcode::I64LeS: return icmp(llvm::CmpInst::ICMP_SLE);
    case Opcode::I32LeU: case Opcode::I64LeU: return icmp(llvm::CmpInst::ICMP_ULE);
    case Opcode::I32GeS: case Opcode::I64GeS: return icmp(llvm::CmpInst::ICMP_SGE);
    case Opcode::I32GeU: case Opcode::I64GeU: return icmp(llvm::CmpInst::ICMP_UGE);

    case Opcode::F32Eq: case Opcode::F64Eq: return fcmp(llvm::CmpInst::FCMP_OEQ);
    case Opcode::F32Ne: case Opcode::F64Ne: return fcmp(llvm::CmpInst::FCMP_UNE);
    case Opcode::F32Lt: case Opcode::F64Lt: return fcmp(llvm::CmpInst::FCMP_OLT);
    case Opcode::F32Gt: case Opcode::F64Gt: return fcmp(llvm::CmpInst::FCMP_OGT);
    case Opcode::F32Le: case Opcode::F64Le: return fcmp(llvm::CmpInst::FCMP_OLE);
    case Opcode::F32Ge: case Opcode::F64Ge: return fcmp(llvm::CmpInst::FCMP_OGE);

    case Opcode::I32Clz: case Opcode::I64Clz: return bitCount(llvm::Intrinsic::ctlz);
    case Opcode::I32Ctz: case Opcode::I64Ctz: return bitCount(llvm::Intrinsic::cttz);
    case Opcode::I32Popcnt: case Opcode::I64Popcnt: return intrinsic1(llvm::Intrinsic::ctpop);
    case Opcode::I32Add: case Opcode::I64Add: return intOp(IntOp::Add);
    case Opcode::I32Sub: case Opcode::I64Sub: return intOp(IntOp::Sub);
    case Opcode::I32Mul: case Opcode::I64Mul: return intOp(IntOp::Mul);
    case Opcode::I32DivS: case Opcode::I64DivS: return intOp(IntOp::DivS);
    case Opcode::I32DivU: case Opcode::I64DivU: return intOp(IntOp::DivU);
    case Opcode::I32RemS: case Opcode::I64RemS: return intOp(IntOp::RemS);
    case Opcode::I32RemU: case Opcode::I64RemU: return intOp(IntOp::RemU);
    case Opcode::I32And: case Opcode::I64And: return intOp(IntOp::And);
    case Opcode::I32Or: case Opcode::I64Or: return intOp(IntOp::Or);
    case Opcode::I32Xor: case Opcode::I64Xor: return intOp(IntOp::Xor);
    case Opcode::I32Shl: case Opcode::I64Shl: return intOp(IntOp::Shl);
    case Opcode::I32ShrS: case Opcode::I64ShrS: return intOp(IntOp::ShrS);
    case Opcode::I32ShrU: case Opcode::I64ShrU: return intOp(IntOp::ShrU);
    case Opcode::I32Rotl: case Opcode::I64Rotl: return intOp(IntOp::Rotl);
    case Opcode::I32Rotr: case Opcode::I64Rotr: return intOp(IntOp::Rotr);

    case Opcode::F32Abs: case Opcode::F64Abs: return intrinsic1(llvm::Intrinsic::fabs);
    case Opcode::F32Neg: case Opcode::F64Neg:
      return unary([&](llvm::Value* v) { return b_.CreateFNeg(v); });
    case Opcode::F32Ceil: case Opcode::F64Ceil: return intrinsic1(llvm::Intrinsic::ceil);
    case Opcode::F32Floor: case Opcode::F64Floor: return intrinsic1(llvm::Intrinsic::floor);
    case Opcode::F32Trunc: case Opcode::F64Trunc: return intrinsic1(llvm::Intrinsic::trunc);
    case Opcode::F32Nearest: case Opcode::F64Nearest: return intrinsic1(llvm::Intrinsic::roundeven);
    case Opcode::F32Sqrt: case Opcode::F64Sqrt: return intrinsic1(llvm::Intrinsic::sqrt);
    case Opcode::F32Add: case Opcode::F64Add:
      return floatArith([&](llvm::Value* l, llvm::Value* r) { return b_.CreateFAdd(l, r); });
    case Opcode::F32Sub: case Opcode::F64Sub:
      return floatArith([&](llvm::Value* l, llvm::Value* r) { return b_.CreateFSub(l, r); });
    case Opcode::F32Mul: case Opcode::F64Mul:
      return floatArith([&](llvm::Value* l, llvm::Value* r) { return b_.CreateFMul(l, r); });
    case Opcode::F32Div: case Opcode::F64Div:
      return floatArith([&](llvm::Value* l, llvm::Value* r) { return b_.CreateFDiv(l, r); });
    // IEEE 754-2019 minimum/maximum: NaN propagates, -0 < +0, as in wasm.
    // x86's lowering passes a signalling NaN through unquieted.
    case Opcode::F32Min: case Opcode::F64Min:
      return binary([&](llvm::Value* l, llvm::Value* r) {
        return quietNaN(callIntrinsic(llvm::Intrinsic::minimum, {l->getType()}, {l, r}));
      });
    case Opcode::F32Max: case Opcode::F64Max:
      return binary([&](llvm::Value* l, llvm::Value* r) {
        return quietNaN(callIntrinsic(llvm::Intrinsic::maximum, {l->getType()}, {l, r}));
      });
    case Opcode::F32Copysign: case Opcode::F64Copysign: return intrinsic2(llvm::Intrinsic::copysign);
    default: return false;
  }
}

bool FunctionTranslator::isFoldableIdentity(llvm::Value* operand, llvm::Type* type) {
  while (auto* cast = llvm::dyn_cast<llvm::BitCastInst>(operand)) operand = cast->getOperand(0);
  auto* constant = llvm::dyn_cast<llvm::Constant>(operand);
  if (!constant) return false;
  if (constant->getType() != type) {
    constant = llvm::ConstantFoldCastOperand(llvm::Instruction::BitCast, constant, type, llvm::DataLayout(""));
    if (!constant) return true;  // cannot tell: be safe
  }
  auto identity = [](const llvm::Constant* c) {
    auto* fp = llvm::dyn_cast_or_null<llvm::ConstantFP>(c);
    return !fp || fp->isZero() || fp->isExactlyValue(1.0) || fp->isExactlyValue(-1.0);
  };
  if (auto* vectorTy = llvm::dyn_cast<llvm::FixedVectorType>(type)) {
    for (unsigned i = 0; i < vectorTy->getNumElements(); ++i) {
      if (identity(constant->getAggregateElement(i))) return true;
    }
    return false;
  }
  return identity(constant);
}

// NaN ? NaN with the quiet bit set : value. LLVM cannot fold this away
// without knowing the value is not a signalling NaN.
llvm::Value* FunctionTranslator::quietNaN(llvm::Value* v) {
  llvm::Type* fp = v->getType();
  unsigned bits = fp->getPrimitiveSizeInBits();
  llvm::Type* intTy = b_.getIntNTy(bits);
  llvm::Value* quietBit = llvm::ConstantInt::get(intTy, llvm::APInt::getOneBitSet(bits, bits == 32 ? 22 : 51));
  llvm::Value* quieted = b_.CreateBitCast(b_.CreateOr(b_.CreateBitCast(v, intTy), quietBit), fp);
  return b_.CreateSelect(b_.CreateFCmpUNO(v, v), quieted, v);
}

bool FunctionTranslator::lowerConversion(const wasm::Instr& instr) {
  auto convert = [&](auto&& fn) {
    llvm::Value* v = pop();
    push(fn(v));
    return true;
  };
  // Trapping float-to-int: NaN is an invalid conversion, anything outside
  // (lower, upper) (exclusive bounds, exact in the source float type)
  // overflows.
  auto truncTrapping = [&](llvm::Type* to, bool isSigned, double lower, double upper) {
    return convert([&](llvm::Value* v) {
      llvm::Type* from = v->getType();
      trapIf(b_.CreateFCmpUNO(v, v), KILN_TRAP_INVALID_CONVERSION);
      llvm::Value* tooLow = b_.CreateFCmpOLE(v, llvm::ConstantFP::get(from, lower));
      llvm::Value* tooHigh = b_.CreateFCmpOGE(v, llvm::ConstantFP::get(from, upper));
      trapIf(b_.CreateOr(tooLow, tooHigh), KILN_TRAP_INTEGER_OVERFLOW);
      return isSigned ? b_.CreateFPToSI(v, to) : b_.CreateFPToUI(v, to);
    });
  };
  // Saturating float-to-int: exactly LLVM's fpto[su]i.sat.
  auto truncSat = [&](llvm::Type* to, bool isSigned) {
    return convert([&](llvm::Value* v) {
      return callIntrinsic(isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                           {to, v->getType()}, {v});
    });
  };
  llvm::Type* i32 = mc_.i32Ty;
  llvm::Type* i64 = mc_.i64Ty;
  llvm::Type* f32 = mc_.f32Ty;
  llvm::Type* f64 = mc_.f64Ty;
  // Exclusive bounds of the values that truncate into range, each exact in
  // the source float type.
  constexpr double two31 = 2147483648.0;
  constexpr double two32 = 4294967296.0;
  constexpr double two63 = 9223372036854775808.0;
  constexpr double two64 = 18446744073709551616.0;
  switch (instr.op) {
    case Opcode::I32WrapI64: return convert([&](llvm::Value* v) { return b_.CreateTrunc(v, i32); });
    case Opcode::I64ExtendI32S: return convert([&](llvm::Value* v) { return b_.CreateSExt(v, i64); });
    case Opcode::I64ExtendI32U: return convert([&](llvm::Value* v) { return b_.CreateZExt(v, i64); });
    // f32 cannot represent -2^31 - 1: the largest f32 below -2^31 is
    // -2^31 - 256, which truncates out of range.
    case Opcode::I32TruncF32S: return truncTrapping(i32, true, -2147483904.0, two31);
    case Opcode::I32TruncF64S: return truncTrapping(i32, true, -2147483649.0, two31);
    case Opcode::I32TruncF32U: return truncTrapping(i32, false, -1.0, two32);
    case Opcode::I32TruncF64U: return truncTrapping(i32, false, -1.0, two32);
    case Opcode::I64TruncF32S: return truncTrapping(i64, true, -9223373136366403584.0, two63);
    case Opcode::I64TruncF64S: return truncTrapping(i64, true, -9223372036854777856.0, two63);
    case Opcode::I64TruncF32U: return truncTrapping(i64, false, -1.0, two64);
    case Opcode::I64TruncF64U: return truncTrapping(i64, false, -1.0, two64);
    case Opcode::I32TruncSatF32S: case Opcode::I32TruncSatF64S: return truncSat(i32, true);
    case Opcode::I32TruncSatF32U: case Opcode::I32TruncSatF64U: return truncSat(i32, false);
    case Opcode::I64TruncSatF32S: case Opcode::I64TruncSatF64S: return truncSat(i64, true);
    case Opcode::I64TruncSatF32U: case Opcode::I64TruncSatF64U: return truncSat(i64, false);
    case Opcode::F32ConvertI32S: case Opcode::F32ConvertI64S:
      return convert([&](llvm::Value* v) { return b_.CreateSIToFP(v, f32); });
    case Opcode::F32ConvertI32U: case Opcode::F32ConvertI64U:
      return convert([&](llvm::Value* v) { return b_.CreateUIToFP(v, f32); });
    case Opcode::F64ConvertI32S: case Opcode::F64ConvertI64S:
      return convert([&](llvm::Value* v) { return b_.CreateSIToFP(v, f64); });
    case Opcode::F64ConvertI32U: case Opcode::F64ConvertI64U:
      return convert([&](llvm::Value* v) { return b_.CreateUIToFP(v, f64); });
    // LLVM folds demote(promote(x)) to x, which would not quiet a
    // signalling NaN.
    case Opcode::F32DemoteF64:
      return convert([&](llvm::Value* v) {
        llvm::Value* r = b_.CreateFPTrunc(v, f32);
        return llvm::isa<llvm::FPExtInst>(v) ? quietNaN(r) : r;
      });
    case Opcode::F64PromoteF32:
      return convert([&](llvm::Value* v) {
        llvm::Value* r = b_.CreateFPExt(v, f64);
        return llvm::isa<llvm::FPTruncInst>(v) ? quietNaN(r) : r;
      });
    case Opcode::I32ReinterpretF32: return convert([&](llvm::Value* v) { return b_.CreateBitCast(v, i32); });
    case Opcode::I64ReinterpretF64: return convert([&](llvm::Value* v) { return b_.CreateBitCast(v, i64); });
    case Opcode::F32ReinterpretI32: return convert([&](llvm::Value* v) { return b_.CreateBitCast(v, f32); });
    case Opcode::F64ReinterpretI64: return convert([&](llvm::Value* v) { return b_.CreateBitCast(v, f64); });
    case Opcode::I32Extend8S:
      return convert([&](llvm::Value* v) { return b_.CreateSExt(b_.CreateTrunc(v, mc_.i8Ty), i32); });
    case Opcode::I32Extend16S:
      return convert([&](llvm::Value* v) { return b_.CreateSExt(b_.CreateTrunc(v, mc_.i16Ty), i32); });
    case Opcode::I64Extend8S:
      return convert([&](llvm::Value* v) { return b_.CreateSExt(b_.CreateTrunc(v, mc_.i8Ty), i64); });
    case Opcode::I64Extend16S:
      return convert([&](llvm::Value* v) { return b_.CreateSExt(b_.CreateTrunc(v, mc_.i16Ty), i64); });
    case Opcode::I64Extend32S:
      return convert([&](llvm::Value* v) { return b_.CreateSExt(b_.CreateTrunc(v, i32), i64); });
    default: return false;
  }
}

}  // namespace kiln::codegen
