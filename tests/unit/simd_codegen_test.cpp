// SIMD lowering (compiler/codegen/lower_simd.cpp): every 0xFD instruction
// translates to verifying IR, loops over v128 become vector instructions,
// and the lane semantics LLVM does not give for free (swizzle's
// out-of-range indices, saturation, IEEE minimum/maximum, all-ones
// comparison lanes) hold. Semantics are checked by letting -O2 fold a
// function of constants down to the v128 it returns.
#include <gtest/gtest.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <array>
#include <cstring>
#include <optional>
#include <regex>

#include "codegen/codegen.h"
#include "codegen_test_util.h"
#include "wasm/instruction.h"
#include "wasm/module.h"

namespace {

using namespace kiln;
using wasm::Instr;
using wasm::Opcode;
using wasm::ValType;

using Bytes = std::array<uint8_t, 16>;

using test_util::compile;
using test_util::op;

// Builds a module function by function; every function is exported.
struct ModuleBuilder {
  wasm::Module m;
  ModuleBuilder() { m.memories.push_back({{1, std::nullopt}}); }
  uint32_t add(wasm::FuncType type, std::vector<Instr> code, std::vector<Bytes> v128Consts = {}) {
    uint32_t index = static_cast<uint32_t>(m.funcTypes.size());
    m.types.push_back(std::move(type));
    m.funcTypes.push_back(static_cast<uint32_t>(m.types.size() - 1));
    wasm::FunctionBody body;
    body.code = std::move(code);
    body.v128Consts = std::move(v128Consts);
    m.bodies.push_back(std::move(body));
    std::string name = "f";  // (not "f" + ...: GCC 12 warns falsely, -Wrestrict)
    name += std::to_string(index);
    m.exports.push_back({name, wasm::ExternKind::Func, index});
    m.funcNames[index] = name;
    return index;
  }
};

template <typename T, size_t N>
Bytes lanes(const std::array<T, N>& values) {
  static_assert(sizeof(T) * N == 16);
  Bytes b;
  std::memcpy(b.data(), values.data(), 16);
  return b;
}

// The IR of the definition of function `funcIndex` (named by ModuleBuilder).
std::string functionIR(const std::string& ir, uint32_t funcIndex) {
  std::string name = "@wasm.f" + std::to_string(funcIndex) + ".f" + std::to_string(funcIndex) + "(";
  for (size_t at = ir.find(name); at != std::string::npos; at = ir.find(name, at + 1)) {
    size_t lineStart = ir.rfind('\n', at) + 1;
    if (ir.compare(lineStart, 7, "define ") == 0) return ir.substr(lineStart, ir.find("\n}", at) - lineStart);
  }
  return "";
}

// The v128 a function of constants returns once -O2 has folded it: the
// constant in its `ret <2 x i64> ...`.
std::optional<Bytes> foldedResult(const std::string& ir, uint32_t funcIndex) {
  std::string body = functionIR(ir, funcIndex);
  Bytes out{};
  if (body.find("ret <2 x i64> zeroinitializer") != std::string::npos) return out;
  std::smatch match;
  if (!std::regex_search(body, match, std::regex(R"(ret <2 x i64> <i64 (-?\d+), i64 (-?\d+)>)"))) return std::nullopt;
  uint64_t halves[2] = {static_cast<uint64_t>(std::stoll(match[1])), static_cast<uint64_t>(std::stoll(match[2]))};
  std::memcpy(out.data(), halves, 16);
  return out;
}

// A function () -> v128 applying `instr` to v128 constants.
uint32_t addConstFunction(ModuleBuilder& mb, Opcode o, std::vector<Bytes> operands) {
  std::vector<Instr> code;
  for (uint32_t i = 0; i < operands.size(); ++i) code.push_back(op(Opcode::V128Const, i));
  code.push_back(op(o));
  code.push_back(op(Opcode::End));
  return mb.add({{}, {ValType::V128}}, std::move(code), std::move(operands));
}

ValType sigType(char c) {
  switch (c) {
    case 'i': return ValType::I32;
    case 'l': return ValType::I64;
    case 'f': return ValType::F32;
    case 'd': return ValType::F64;
    default: return ValType::V128;
  }
}

// Every row of opcodes_simd.def lowers, and the module verifies, at -O0
// and -O2 (translateModule throws on IR that does not verify).
TEST(SimdCodegen, EveryInstructionTranslates) {
  ModuleBuilder mb;
  size_t count = 0;
  for (uint16_t i = 0; i < static_cast<uint16_t>(Opcode::Count_); ++i) {
    auto o = static_cast<Opcode>(i);
    const wasm::OpcodeInfo& info = wasm::opcodeInfo(o);
    if (info.prefix != 0xFD) continue;
    ++count;
    wasm::FuncType type;
    size_t colon = info.signature.find(':');
    for (char c : info.signature.substr(0, colon)) type.params.push_back(sigType(c));
    for (char c : info.signature.substr(colon + 1)) type.results.push_back(sigType(c));
    std::vector<Instr> code;
    for (uint32_t p = 0; p < type.params.size(); ++p) code.push_back(op(Opcode::LocalGet, p));
    Instr in = op(o);
    in.lane = 1;
    in.value = 8;  // MemArg offset
    code.push_back(in);
    code.push_back(op(Opcode::End));
    Bytes consts;
    for (uint8_t b = 0; b < 16; ++b) consts[b] = static_cast<uint8_t>(31 - 2 * b);  // valid shuffle lanes
    mb.add(type, std::move(code), {consts});
  }
  EXPECT_EQ(count, 236u);
  for (int level : {0, 2}) {
    try {
      auto c = compile(mb.m, level);
      EXPECT_NE(c->module, nullptr);
    } catch (const std::exception& e) {
      FAIL() << "at -O" << level << ": " << e.what();
    }
  }
}

// (loop (v128.store (local.get 0) (f32x4.add (v128.load (local.get 0))
//   (v128.load offset=16 (local.get 0)))) ...): the add is one vector fadd.
TEST(SimdCodegen, F32x4AddLoopIsAVectorAdd) {
  ModuleBuilder mb;
  Instr loop = op(Opcode::Loop);
  Instr load0 = op(Opcode::V128Load);
  Instr load16 = op(Opcode::V128Load, 0, 16);
  std::vector<Instr> code = {
      loop,
      op(Opcode::LocalGet, 0),
      op(Opcode::LocalGet, 0), load0,
      op(Opcode::LocalGet, 0), load16,
      op(Opcode::F32x4Add),
      op(Opcode::V128Store),
      op(Opcode::LocalGet, 0), op(Opcode::I32Const, 0, 32), op(Opcode::I32Add), op(Opcode::LocalSet, 0),
      op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 1), op(Opcode::I32Sub), op(Opcode::LocalTee, 1),
      op(Opcode::BrIf, 0),
      op(Opcode::End),
      op(Opcode::End)};
  mb.add({{ValType::I32, ValType::I32}, {}}, code);
  for (int level : {0, 2}) {
    auto c = compile(mb.m, level);
    std::string ir = c->ir();
    EXPECT_NE(ir.find("fadd <4 x float>"), std::string::npos) << "at -O" << level << "\n" << ir;
    EXPECT_EQ(ir.find("fadd float"), std::string::npos) << "at -O" << level << "\n" << ir;
  }
}

TEST(SimdCodegen, SwizzleGivesZeroForOutOfRangeIndices) {
  ModuleBuilder mb;
  Bytes table, indices, expected;
  for (int i = 0; i < 16; ++i) table[i] = static_cast<uint8_t>(0xA0 + i);
  const uint8_t idx[16] = {0, 15, 16, 255, 128, 127, 17, 1, 2, 3, 4, 5, 6, 7, 8, 0x8F};
  for (int i = 0; i < 16; ++i) {
    indices[i] = idx[i];
    expected[i] = idx[i] < 16 ? table[idx[i]] : 0;
  }
  uint32_t f = addConstFunction(mb, Opcode::I8x16Swizzle, {table, indices});
  // Variable indices: the generic lowering masks out-of-range lanes.
  uint32_t g = mb.add({{ValType::V128, ValType::V128}, {ValType::V128}},
                      {op(Opcode::LocalGet, 0), op(Opcode::LocalGet, 1), op(Opcode::I8x16Swizzle), op(Opcode::End)});
  auto c = compile(mb.m, 2);
  std::string ir = c->ir();
  auto folded = foldedResult(ir, f);
  ASSERT_TRUE(folded) << ir;
  EXPECT_EQ(*folded, expected);
  std::string body = functionIR(ir, g);
  EXPECT_NE(body.find("icmp ult <16 x i8>"), std::string::npos) << body;
}

TEST(SimdCodegen, IntegerSaturationAndRounding) {
  ModuleBuilder mb;
  // q15mulr_sat_s: (a * b + 0x4000) >> 15, and 0x8000 * 0x8000 saturates.
  std::array<int16_t, 8> qa = {-32768, -32768, 32767, 0x4000, -1, 1, -32768, 32767};
  std::array<int16_t, 8> qb = {-32768, 32767, 32767, 0x4000, -1, -1, 1, 1};
  std::array<int16_t, 8> qr = {32767, -32767, 32766, 0x2000, 0, 0, -1, 1};
  uint32_t q15 = addConstFunction(mb, Opcode::I16x8Q15mulrSatS, {lanes(qa), lanes(qb)});
  // narrow_i16x8_s / _u clamp signed inputs.
  std::array<int16_t, 8> na = {-129, -128, 127, 128, 255, 256, -1, 0};
  std::array<int16_t, 8> nb = {1000, -1000, 0, 1, 2, 3, 4, 5};
  std::array<int8_t, 16> ns = {-128, -128, 127, 127, 127, 127, -1, 0, 127, -128, 0, 1, 2, 3, 4, 5};
  std::array<uint8_t, 16> nu = {0, 0, 127, 128, 255, 255, 0, 0, 255, 0, 0, 1, 2, 3, 4, 5};
  uint32_t narrowS = addConstFunction(mb, Opcode::I8x16NarrowI16x8S, {lanes(na), lanes(nb)});
  uint32_t narrowU = addConstFunction(mb, Opcode::I8x16NarrowI16x8U, {lanes(na), lanes(nb)});
  // add_sat_u, avgr_u
  std::array<uint8_t, 16> ua = {250, 1, 255, 0, 128, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255};
  std::array<uint8_t, 16> ub = {10, 2, 255, 0, 128, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 254};
  std::array<uint8_t, 16> sat = {255, 3, 255, 0, 255, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255};
  std::array<uint8_t, 16> avg = {130, 2, 255, 0, 128, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255};
  uint32_t addSat = addConstFunction(mb, Opcode::I8x16AddSatU, {lanes(ua), lanes(ub)});
  uint32_t avgr = addConstFunction(mb, Opcode::I8x16AvgrU, {lanes(ua), lanes(ub)});
  // Comparisons give all-ones lanes.
  std::array<int32_t, 4> ca = {-1, 5, 7, INT32_MIN};
  std::array<int32_t, 4> cb = {0, 5, 6, INT32_MAX};
  std::array<int32_t, 4> lt = {-1, 0, 0, -1};
  uint32_t ltS = addConstFunction(mb, Opcode::I32x4LtS, {lanes(ca), lanes(cb)});

  auto c = compile(mb.m, 2);
  std::string ir = c->ir();
  EXPECT_EQ(foldedResult(ir, q15), lanes(qr)) << ir;
  EXPECT_EQ(foldedResult(ir, narrowS), lanes(ns)) << ir;
  EXPECT_EQ(foldedResult(ir, narrowU), lanes(nu)) << ir;
  EXPECT_EQ(foldedResult(ir, addSat), lanes(sat)) << ir;
  EXPECT_EQ(foldedResult(ir, avgr), lanes(avg)) << ir;
  EXPECT_EQ(foldedResult(ir, ltS), lanes(lt)) << ir;
}

uint32_t f32bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST(SimdCodegen, FloatMinMaxAndTruncSat) {
  ModuleBuilder mb;
  const uint32_t nan = 0x7fc00000u, snan = 0x7fa00000u;
  // IEEE 754-2019 minimum/maximum: -0 < +0, NaN operands give a NaN.
  std::array<uint32_t, 4> a = {f32bits(-0.0f), f32bits(0.0f), snan, f32bits(1.0f)};
  std::array<uint32_t, 4> b = {f32bits(0.0f), f32bits(-0.0f), f32bits(2.0f), f32bits(1.25f)};
  uint32_t fmin = addConstFunction(mb, Opcode::F32x4Min, {lanes(a), lanes(b)});
  uint32_t fmax = addConstFunction(mb, Opcode::F32x4Max, {lanes(a), lanes(b)});
  // pmin is b < a ? b : a: NaNs and zeros pass through as they are.
  uint32_t pmin = addConstFunction(mb, Opcode::F32x4Pmin, {lanes(a), lanes(b)});
  // trunc_sat: NaN -> 0, out of range -> the nearest bound.
  std::array<uint32_t, 4> t = {f32bits(3e9f), f32bits(-3e9f), nan, f32bits(2147483520.0f)};
  uint32_t truncS = addConstFunction(mb, Opcode::I32x4TruncSatF32x4S, {lanes(t)});
  uint32_t truncU = addConstFunction(mb, Opcode::I32x4TruncSatF32x4U, {lanes(t)});

  auto c = compile(mb.m, 2);
  std::string ir = c->ir();
  auto lanes32 = [&](uint32_t f) {
    std::array<uint32_t, 4> out{};
    auto r = foldedResult(ir, f);
    EXPECT_TRUE(r) << ir;
    if (r) std::memcpy(out.data(), r->data(), 16);
    return out;
  };
  auto min = lanes32(fmin);
  EXPECT_EQ(min[0], f32bits(-0.0f));
  EXPECT_EQ(min[1], f32bits(-0.0f));
  EXPECT_EQ(min[2] & 0x7fc00000u, 0x7fc00000u) << std::hex << min[2];  // a quiet NaN
  EXPECT_EQ(min[3], f32bits(1.0f));
  auto max = lanes32(fmax);
  EXPECT_EQ(max[0], f32bits(0.0f));
  EXPECT_EQ(max[1], f32bits(0.0f));
  EXPECT_EQ(max[2] & 0x7fc00000u, 0x7fc00000u) << std::hex << max[2];
  EXPECT_EQ(max[3], f32bits(1.25f));
  auto pm = lanes32(pmin);
  EXPECT_EQ(pm[0], f32bits(-0.0f));  // +0 < -0 is false: a
  EXPECT_EQ(pm[1], f32bits(0.0f));
  EXPECT_EQ(pm[2], snan);  // unordered: a, unquieted
  EXPECT_EQ(pm[3], f32bits(1.0f));
  EXPECT_EQ(lanes32(truncS), (std::array<uint32_t, 4>{0x7fffffffu, 0x80000000u, 0, 2147483520u}));
  EXPECT_EQ(lanes32(truncU), (std::array<uint32_t, 4>{3000000000u, 0, 0, 2147483520u}));
}

// LLVM folds x * 1 to x, which would return a signalling NaN unquieted;
// with a constant operand the result is quieted lane-wise.
TEST(SimdCodegen, ArithmeticWithConstantOperandQuietsNaN) {
  ModuleBuilder mb;
  std::array<uint32_t, 4> one = {f32bits(1.0f), f32bits(1.0f), f32bits(1.0f), f32bits(1.0f)};
  Bytes oneBytes = lanes(one);
  uint32_t f = mb.add({{ValType::V128}, {ValType::V128}},
                      {op(Opcode::LocalGet, 0), op(Opcode::V128Const, 0), op(Opcode::F32x4Mul), op(Opcode::End)},
                      {oneBytes});
  auto c = compile(mb.m, 2);
  std::string ir = c->ir();
  std::string body = functionIR(ir, f);
  EXPECT_NE(body.find("fcmp uno <4 x float>"), std::string::npos) << body;
  EXPECT_NE(body.find("i32 4194304"), std::string::npos) << body;  // the quiet bit
}

}  // namespace
