// Tests for wasm::validateModule. Modules are built by hand (no decoder), one
// valid and one invalid case per rule; a last test runs the spec test suite's
// assert_invalid / module commands through readModule + validateModule.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <unistd.h>
#include <string>
#include <string_view>
#include <vector>

#include "wasm/error.h"
#include "wasm/module.h"
#include "wasm/reader.h"
#include "wasm/validator.h"

namespace kiln::wasm {
namespace {

constexpr ValType i32 = ValType::I32;
constexpr ValType i64 = ValType::I64;
constexpr ValType f32 = ValType::F32;
constexpr ValType f64 = ValType::F64;
constexpr ValType v128 = ValType::V128;
constexpr ValType funcref = ValType::FuncRef;
constexpr ValType externref = ValType::ExternRef;

constexpr uint32_t kCodeBase = 0x1000;  // offsetInFile of a body's first instruction

// An opcode looked up by its text name (for SIMD rows, whose enumerator
// names belong to the opcode table); nullopt when the table lacks it.
std::optional<Opcode> findOp(std::string_view text) {
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count_); ++i)
    if (opcodeInfo(static_cast<Opcode>(i)).text == text) return static_cast<Opcode>(i);
  return std::nullopt;
}

BlockType bt(ValType t) {
  BlockType b;
  b.kind = BlockType::Kind::Value;
  b.value = t;
  return b;
}
BlockType btIndex(uint32_t typeIndex) {
  BlockType b;
  b.kind = BlockType::Kind::TypeIndex;
  b.typeIndex = typeIndex;
  return b;
}

// A function body under construction. Every instruction's offsetInFile is
// kCodeBase + its position, so tests can check where an error points.
class Code {
 public:
  Code& op(Opcode o, uint32_t index = 0, uint32_t index2 = 0) {
    Instr in;
    in.op = o;
    in.index = index;
    in.index2 = index2;
    return add(in);
  }
  Code& i32c(int32_t v) {
    Instr in;
    in.op = Opcode::I32Const;
    in.value = static_cast<uint64_t>(int64_t(v));
    return add(in);
  }
  Code& i64c(int64_t v) {
    Instr in;
    in.op = Opcode::I64Const;
    in.value = static_cast<uint64_t>(v);
    return add(in);
  }
  Code& f32c() { return op(Opcode::F32Const); }
  Code& f64c() { return op(Opcode::F64Const); }
  Code& block(Opcode o, BlockType type = {}) {
    Instr in;
    in.op = o;
    in.blockType = type;
    return add(in);
  }
  Code& end() { return op(Opcode::End); }
  Code& brTable(std::initializer_list<uint32_t> targetsThenDefault) {
    Instr in;
    in.op = Opcode::BrTable;
    in.index = static_cast<uint32_t>(body.brTargets.size());
    in.index2 = static_cast<uint32_t>(targetsThenDefault.size());
    body.brTargets.insert(body.brTargets.end(), targetsThenDefault);
    return add(in);
  }
  Code& mem(Opcode o, uint8_t align, uint32_t memIndex = 0) {
    Instr in;
    in.op = o;
    in.align = align;
    in.index = memIndex;
    return add(in);
  }
  Code& memLane(Opcode o, uint8_t align, uint8_t lane) {
    Instr in;
    in.op = o;
    in.align = align;
    in.lane = lane;
    return add(in);
  }
  Code& lane(Opcode o, uint8_t l) {
    Instr in;
    in.op = o;
    in.lane = l;
    return add(in);
  }
  Code& typed(Opcode o, ValType t) {  // select t, ref.null t
    Instr in;
    in.op = o;
    in.valType = t;
    return add(in);
  }
  Code& v128c() {
    Instr in;
    in.op = *findOp("v128.const");
    in.index = static_cast<uint32_t>(body.v128Consts.size());
    body.v128Consts.push_back({});
    return add(in);
  }
  Code& shuffle(std::array<uint8_t, 16> lanes) {
    Instr in;
    in.op = *findOp("i8x16.shuffle");
    in.index = static_cast<uint32_t>(body.v128Consts.size());
    body.v128Consts.push_back(lanes);
    return add(in);
  }
  // Offset of the most recently added instruction.
  uint32_t lastOffset() const { return body.code.back().offsetInFile; }
  uint32_t nextOffset() const { return kCodeBase + static_cast<uint32_t>(body.code.size()); }

  FunctionBody body;

 private:
  Code& add(Instr in) {
    in.offsetInFile = nextOffset();
    body.code.push_back(in);
    return *this;
  }
};

ConstExpr constI32(int32_t v = 0, uint32_t offset = 0x50) {
  ConstExpr e;
  e.kind = ConstExpr::Kind::I32Const;
  e.bits = static_cast<uint32_t>(v);
  e.offsetInFile = offset;
  return e;
}
ConstExpr constOf(ConstExpr::Kind kind, uint32_t index = 0, uint32_t offset = 0x50) {
  ConstExpr e;
  e.kind = kind;
  e.index = index;
  e.offsetInFile = offset;
  return e;
}
ConstExpr constRefNull(ValType t, uint32_t offset = 0x50) {
  ConstExpr e;
  e.kind = ConstExpr::Kind::RefNull;
  e.refType = t;
  e.offsetInFile = offset;
  return e;
}

// Builds a Module in index-space order: imports first, then definitions.
class ModuleBuilder {
 public:
  uint32_t type(std::vector<ValType> params, std::vector<ValType> results) {
    FuncType ft{std::move(params), std::move(results)};
    for (size_t i = 0; i < m.types.size(); ++i)
      if (m.types[i] == ft) return static_cast<uint32_t>(i);
    m.types.push_back(std::move(ft));
    return static_cast<uint32_t>(m.types.size() - 1);
  }
  uint32_t importFunc(std::vector<ValType> params, std::vector<ValType> results) {
    EXPECT_EQ(m.bodies.size(), 0u) << "imports before definitions";
    Import im;
    im.module = "env";
    im.name = std::string("f") + std::to_string(m.imports.size());
    im.kind = ExternKind::Func;
    im.funcTypeIndex = type(std::move(params), std::move(results));
    m.imports.push_back(im);
    m.funcTypes.push_back(im.funcTypeIndex);
    return m.numImportedFuncs++;
  }
  uint32_t importGlobal(ValType t, bool isMutable) {
    EXPECT_EQ(m.globals.size(), m.numImportedGlobals) << "imports before definitions";
    Import im;
    im.module = "env";
    im.name = std::string("g") + std::to_string(m.imports.size());
    im.kind = ExternKind::Global;
    im.global = GlobalType{t, isMutable};
    m.imports.push_back(im);
    m.globals.push_back(Global{im.global, {}});
    return m.numImportedGlobals++;
  }
  uint32_t func(std::vector<ValType> params, std::vector<ValType> results, const Code& code,
                std::vector<ValType> locals = {}) {
    m.funcTypes.push_back(type(std::move(params), std::move(results)));
    FunctionBody body = code.body;
    body.locals = std::move(locals);
    body.offsetInFile = 0x800;
    m.bodies.push_back(std::move(body));
    return static_cast<uint32_t>(m.funcTypes.size() - 1);
  }
  uint32_t table(ValType elemType = funcref, uint64_t min = 1, std::optional<uint64_t> max = std::nullopt) {
    m.tables.push_back(TableType{elemType, Limits{min, max}});
    return static_cast<uint32_t>(m.tables.size() - 1);
  }
  uint32_t memory(uint64_t min = 1, std::optional<uint64_t> max = std::nullopt) {
    m.memories.push_back(MemoryType{Limits{min, max}});
    return static_cast<uint32_t>(m.memories.size() - 1);
  }
  uint32_t global(ValType t, bool isMutable, ConstExpr init) {
    m.globals.push_back(Global{GlobalType{t, isMutable}, init});
    return static_cast<uint32_t>(m.globals.size() - 1);
  }
  uint32_t global(ValType t, bool isMutable = false) {
    ConstExpr init;
    switch (t) {
      case ValType::I32: init.kind = ConstExpr::Kind::I32Const; break;
      case ValType::I64: init.kind = ConstExpr::Kind::I64Const; break;
      case ValType::F32: init.kind = ConstExpr::Kind::F32Const; break;
      case ValType::F64: init.kind = ConstExpr::Kind::F64Const; break;
      case ValType::V128: init.kind = ConstExpr::Kind::V128Const; break;
      default: init = constRefNull(t); break;
    }
    return global(t, isMutable, init);
  }
  uint32_t elem(SegmentMode mode, ValType elemType, std::vector<ConstExpr> items, uint32_t tableIndex = 0,
                ConstExpr offset = constI32()) {
    ElemSegment seg;
    seg.mode = mode;
    seg.elemType = elemType;
    seg.items = std::move(items);
    seg.tableIndex = tableIndex;
    seg.offset = offset;
    m.elems.push_back(std::move(seg));
    return static_cast<uint32_t>(m.elems.size() - 1);
  }
  uint32_t data(SegmentMode mode, uint32_t memIndex = 0, ConstExpr offset = constI32()) {
    DataSegment seg;
    seg.mode = mode;
    seg.memoryIndex = memIndex;
    seg.offset = offset;
    seg.bytes = {1, 2, 3};
    m.datas.push_back(std::move(seg));
    m.dataCount = static_cast<uint32_t>(m.datas.size());
    return static_cast<uint32_t>(m.datas.size() - 1);
  }
  void exportAs(std::string name, ExternKind kind, uint32_t index) { m.exports.push_back(Export{std::move(name), kind, index}); }

  Module m;
};

::testing::AssertionResult isValid(const Module& m) {
  try {
    validateModule(m);
    return ::testing::AssertionSuccess();
  } catch (const Error& e) {
    return ::testing::AssertionFailure() << "rejected at offset " << e.offset() << ": " << e.what();
  }
}

// The module must be rejected as invalid with a message starting with
// `phrase` and, when given, at `offset`.
::testing::AssertionResult isInvalid(const Module& m, std::string_view phrase,
                                     std::optional<uint64_t> offset = std::nullopt) {
  try {
    validateModule(m);
  } catch (const Error& e) {
    std::string_view message = e.what();
    if (e.kind() != Error::Kind::Invalid) return ::testing::AssertionFailure() << "wrong error kind: " << message;
    if (!message.starts_with(phrase))
      return ::testing::AssertionFailure() << "expected \"" << phrase << "\", got \"" << message << "\"";
    if (offset && e.offset() != *offset)
      return ::testing::AssertionFailure() << "expected offset " << *offset << ", got " << e.offset() << " ("
                                           << message << ")";
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "module was accepted, expected \"" << phrase << "\"";
}

// A module with one function of the given type and body.
Module oneFunc(std::vector<ValType> params, std::vector<ValType> results, const Code& code,
               std::vector<ValType> locals = {}) {
  ModuleBuilder b;
  b.func(std::move(params), std::move(results), code, std::move(locals));
  return b.m;
}

// ---------------------------------------------------------------------------
// Function bodies: basics

TEST(ValidatorTest, EmptyModuleIsValid) { EXPECT_TRUE(isValid(Module{})); }

TEST(ValidatorTest, EmptyFunction) {
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().end()), "type mismatch", kCodeBase));
}

TEST(ValidatorTest, NumericSignatures) {
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().i32c(1).i32c(2).op(Opcode::I32Add).end())));
  Code bad;
  bad.i32c(1).i64c(2);
  uint32_t at = bad.nextOffset();
  bad.op(Opcode::I32Add).end();
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, bad), "type mismatch", at));
  // Conversions, comparisons, floating point.
  EXPECT_TRUE(isValid(oneFunc({}, {i64}, Code().i32c(1).op(Opcode::I64ExtendI32S).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i64}, Code().i64c(1).op(Opcode::I64ExtendI32S).end()), "type mismatch"));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().f64c().f64c().op(Opcode::F64Lt).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {f64}, Code().f64c().f64c().op(Opcode::F64Lt).end()), "type mismatch"));
  EXPECT_TRUE(isValid(oneFunc({}, {f32}, Code().f32c().op(Opcode::F32Sqrt).end())));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().f32c().op(Opcode::I32TruncSatF32S).end())));
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().op(Opcode::Nop).end())));
}

TEST(ValidatorTest, StackUnderflowAndLeftovers) {
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i32c(1).op(Opcode::I32Add).end()), "type mismatch", kCodeBase + 1));
  // A value left over at the end of the function.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(1).end()), "type mismatch", kCodeBase + 1));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i32c(1).i32c(1).end()), "type mismatch"));
  // The wrong result type.
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i64c(1).end()), "type mismatch"));
  // A block cannot reach below its own height.
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i32c(1).block(Opcode::Block, bt(i32)).end().end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(
      oneFunc({}, {}, Code().i32c(1).block(Opcode::Block).op(Opcode::Drop).end().end()), "type mismatch"));
}

TEST(ValidatorTest, FunctionMustEndWithEnd) {
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().op(Opcode::Nop)), "unexpected end"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().end().op(Opcode::Nop)), "operators remaining"));
}

// ---------------------------------------------------------------------------
// The polymorphic stack

TEST(ValidatorTest, UnreachableMakesTheStackPolymorphic) {
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().op(Opcode::Unreachable).end())));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().op(Opcode::Unreachable).op(Opcode::I32Add).end())));
  EXPECT_TRUE(isValid(oneFunc({}, {f64}, Code().op(Opcode::Unreachable).i32c(0).op(Opcode::F64ConvertI32S).end())));
  // Known values still have to match.
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().op(Opcode::Unreachable).i64c(0).op(Opcode::I32Add).end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().op(Opcode::Unreachable).i64c(0).end()), "type mismatch"));
  // (unreachable) (select) leaves a value behind in a void function.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().op(Opcode::Unreachable).op(Opcode::Select).end()), "type mismatch"));
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().op(Opcode::Unreachable).op(Opcode::Select).op(Opcode::Drop).end())));
  // Only the current frame is polymorphic.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block, bt(i32)).op(Opcode::Unreachable).end().end()),
                        "type mismatch"));
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().block(Opcode::Block, bt(i32)).op(Opcode::Unreachable).end().op(Opcode::Drop).end())));
  // Indices are still checked in unreachable code.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().op(Opcode::Unreachable).op(Opcode::LocalGet, 0).op(Opcode::Drop).end()),
                        "unknown local"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().op(Opcode::Unreachable).op(Opcode::GlobalGet, 0).op(Opcode::Drop).end()),
                        "unknown global"));
}

TEST(ValidatorTest, BrAndReturnMakeTheStackPolymorphic) {
  EXPECT_TRUE(isValid(oneFunc(
      {}, {}, Code().block(Opcode::Block).op(Opcode::Br, 0).op(Opcode::I32Add).op(Opcode::Drop).end().end())));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().i32c(1).op(Opcode::Return).op(Opcode::I64Add).op(Opcode::Drop).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i64c(1).op(Opcode::Return).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().op(Opcode::Return).end()), "type mismatch"));
}

// ---------------------------------------------------------------------------
// Blocks

TEST(ValidatorTest, BlocksWithResults) {
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().block(Opcode::Block, bt(i32)).i32c(1).end().end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().block(Opcode::Block, bt(i32)).i64c(1).end().end()), "type mismatch"));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().block(Opcode::Loop, bt(i32)).i32c(1).end().end())));
}

TEST(ValidatorTest, MultiValueBlocks) {
  ModuleBuilder b;
  uint32_t t = b.type({i32, i32}, {i32, i64});
  b.func({}, {i32, i64},
         Code().i32c(1).i32c(2).block(Opcode::Block, btIndex(t)).op(Opcode::Drop).i64c(3).end().end());
  EXPECT_TRUE(isValid(b.m));

  // Parameters must be on the stack when the block starts.
  ModuleBuilder b2;
  t = b2.type({i32, i32}, {i32});
  b2.func({}, {i32}, Code().i32c(1).block(Opcode::Block, btIndex(t)).op(Opcode::I32Add).end().end());
  EXPECT_TRUE(isInvalid(b2.m, "type mismatch", kCodeBase + 1));

  // Parameters of a wrong type.
  ModuleBuilder b3;
  t = b3.type({i32, i32}, {i32});
  b3.func({}, {i32}, Code().i32c(1).f32c().block(Opcode::Block, btIndex(t)).op(Opcode::I32Add).end().end());
  EXPECT_TRUE(isInvalid(b3.m, "type mismatch"));

  // The block type index must exist.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block, btIndex(7)).end().end()), "unknown type", kCodeBase));
}

TEST(ValidatorTest, LoopLabelTakesItsParameters) {
  ModuleBuilder b;
  uint32_t t = b.type({i32}, {i32});
  // loop (param i32) (result i32): br 0 needs an i32 (the loop's parameter).
  b.func({}, {i32},
         Code().i32c(0).block(Opcode::Loop, btIndex(t)).i32c(1).op(Opcode::I32Add).op(Opcode::Br, 0).end().end());
  EXPECT_TRUE(isValid(b.m));

  ModuleBuilder b2;
  uint32_t t2 = b2.type({}, {i32});
  // loop (result i32): br 0 carries nothing, so the i32 stays on the stack... and
  // the loop body ends polymorphic; the branch itself is fine.
  b2.func({}, {i32}, Code().block(Opcode::Loop, btIndex(t2)).op(Opcode::Br, 0).end().end());
  EXPECT_TRUE(isValid(b2.m));
  // br 0 to a loop (param i32) with an f32 on the stack is not.
  ModuleBuilder b3;
  uint32_t t3 = b3.type({i32}, {});
  b3.func({}, {}, Code().i32c(0).block(Opcode::Loop, btIndex(t3)).op(Opcode::Drop).f32c().op(Opcode::Br, 0).end().end());
  EXPECT_TRUE(isInvalid(b3.m, "type mismatch"));
}

TEST(ValidatorTest, IfElse) {
  EXPECT_TRUE(isValid(oneFunc({i32}, {i32}, Code()
                                             .op(Opcode::LocalGet, 0)
                                             .block(Opcode::If, bt(i32))
                                             .i32c(1)
                                             .op(Opcode::Else)
                                             .i32c(2)
                                             .end()
                                             .end())));
  // The condition must be i32.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i64c(0).block(Opcode::If).end().end()), "type mismatch", kCodeBase + 1));
  // Each arm must produce the results.
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code()
                                               .i32c(0)
                                               .block(Opcode::If, bt(i32))
                                               .i32c(1)
                                               .op(Opcode::Else)
                                               .f32c()
                                               .end()
                                               .end()),
                        "type mismatch"));
  // Without else, the results must equal the parameters.
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i32c(0).block(Opcode::If, bt(i32)).i32c(1).end().end()),
                        "type mismatch"));
  ModuleBuilder b;
  uint32_t t = b.type({i32}, {i32});
  b.func({}, {i32}, Code().i32c(5).i32c(0).block(Opcode::If, btIndex(t)).i32c(1).op(Opcode::I32Add).end().end());
  EXPECT_TRUE(isValid(b.m));
  // The if's parameters are available in the else arm too.
  ModuleBuilder b2;
  t = b2.type({i32}, {i64});
  b2.func({}, {i64}, Code()
                         .i32c(5)
                         .i32c(0)
                         .block(Opcode::If, btIndex(t))
                         .op(Opcode::I64ExtendI32S)
                         .op(Opcode::Else)
                         .op(Opcode::I64ExtendI32U)
                         .end()
                         .end());
  EXPECT_TRUE(isValid(b2.m));
  // else outside an if.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block).op(Opcode::Else).end().end()), "else"));
}

// ---------------------------------------------------------------------------
// Branches

TEST(ValidatorTest, Br) {
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().block(Opcode::Block, bt(i32)).i32c(1).op(Opcode::Br, 0).end().end())));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().block(Opcode::Block).i32c(1).op(Opcode::Br, 1).end().i32c(0).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().block(Opcode::Block, bt(i32)).f32c().op(Opcode::Br, 0).end().end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block).op(Opcode::Br, 2).end().end()), "unknown label",
                        kCodeBase + 1));
}

TEST(ValidatorTest, BrIf) {
  EXPECT_TRUE(isValid(oneFunc(
      {}, {i32}, Code().block(Opcode::Block, bt(i32)).i32c(1).i32c(0).op(Opcode::BrIf, 0).end().end())));
  // br_if leaves the label's values on the stack.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block, bt(i32)).i32c(1).i32c(0).op(Opcode::BrIf, 0).op(Opcode::Drop).end().end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block).i64c(0).op(Opcode::BrIf, 0).end().end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(0).op(Opcode::BrIf, 1).end()), "unknown label"));
}

TEST(ValidatorTest, BrTable) {
  // Both targets take [i32].
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code()
                                             .block(Opcode::Block, bt(i32))
                                             .block(Opcode::Block, bt(i32))
                                             .i32c(7)
                                             .i32c(0)
                                             .brTable({0, 1})
                                             .end()
                                             .end()
                                             .end())));
  // Arity mismatch: [] versus [i32].
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code()
                                               .block(Opcode::Block, bt(i32))
                                               .block(Opcode::Block)
                                               .i32c(7)
                                               .i32c(0)
                                               .brTable({0, 1})
                                               .end()
                                               .i32c(1)
                                               .end()
                                               .end()),
                        "type mismatch", kCodeBase + 4));
  // Same arity, different types, with concrete operands.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code()
                                            .block(Opcode::Block, bt(f64))
                                            .block(Opcode::Block, bt(f32))
                                            .f32c()
                                            .i32c(0)
                                            .brTable({0, 1})
                                            .end()
                                            .op(Opcode::Drop)
                                            .f64c()
                                            .end()
                                            .op(Opcode::Drop)
                                            .end()),
                        "type mismatch"));
  // ...but valid on a polymorphic stack (spec: unreached-valid "meet-bottom").
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code()
                                          .block(Opcode::Block, bt(f64))
                                          .block(Opcode::Block, bt(f32))
                                          .op(Opcode::Unreachable)
                                          .i32c(1)
                                          .brTable({0, 1, 1})
                                          .end()
                                          .op(Opcode::Drop)
                                          .f64c()
                                          .end()
                                          .op(Opcode::Drop)
                                          .end())));
  // Arity still matters after unreachable.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code()
                                            .block(Opcode::Block, bt(i32))
                                            .block(Opcode::Block)
                                            .op(Opcode::Unreachable)
                                            .i32c(1)
                                            .brTable({0, 1, 0})
                                            .end()
                                            .i32c(0)
                                            .end()
                                            .op(Opcode::Drop)
                                            .end()),
                        "type mismatch"));
  // A concrete value is checked against every target (spec: unreached-invalid meet-bottom).
  EXPECT_TRUE(isInvalid(oneFunc({i32}, {externref}, Code()
                                                        .block(Opcode::Block, bt(externref))
                                                        .block(Opcode::Block, bt(i32))
                                                        .typed(Opcode::RefNull, externref)
                                                        .op(Opcode::LocalGet, 0)
                                                        .brTable({0, 1, 0})
                                                        .end()
                                                        .op(Opcode::Drop)
                                                        .typed(Opcode::RefNull, externref)
                                                        .end()
                                                        .end()),
                        "type mismatch"));
  // The index must be i32, and every label must exist.
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block).i64c(0).brTable({0}).end().end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block).i32c(0).brTable({0, 5, 0}).end().end()), "unknown label"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().block(Opcode::Block).i32c(0).brTable({2}).end().end()), "unknown label"));
}

// ---------------------------------------------------------------------------
// Calls

TEST(ValidatorTest, Call) {
  ModuleBuilder b;
  uint32_t callee = b.importFunc({i32, i64}, {f32});
  b.func({}, {f32}, Code().i32c(1).i64c(2).op(Opcode::Call, callee).end());
  EXPECT_TRUE(isValid(b.m));

  ModuleBuilder b2;
  callee = b2.importFunc({i32, i64}, {f32});
  b2.func({}, {f32}, Code().i64c(1).i32c(2).op(Opcode::Call, callee).end());
  EXPECT_TRUE(isInvalid(b2.m, "type mismatch"));

  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().op(Opcode::Call, 1).end()), "unknown function", kCodeBase));
  // Recursion is fine.
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().op(Opcode::Call, 0).end())));
}

TEST(ValidatorTest, CallIndirect) {
  ModuleBuilder b;
  uint32_t t = b.type({i32}, {i64});
  b.table(funcref);
  b.func({}, {i64}, Code().i32c(1).i32c(0).op(Opcode::CallIndirect, t, 0).end());
  EXPECT_TRUE(isValid(b.m));

  ModuleBuilder noTable;
  t = noTable.type({}, {});
  noTable.func({}, {}, Code().i32c(0).op(Opcode::CallIndirect, t, 0).end());
  EXPECT_TRUE(isInvalid(noTable.m, "unknown table"));

  ModuleBuilder externTable;
  t = externTable.type({}, {});
  externTable.table(externref);
  externTable.func({}, {}, Code().i32c(0).op(Opcode::CallIndirect, t, 0).end());
  EXPECT_TRUE(isInvalid(externTable.m, "type mismatch"));

  ModuleBuilder badType;
  badType.table(funcref);
  badType.func({}, {}, Code().i32c(0).op(Opcode::CallIndirect, 9, 0).end());
  EXPECT_TRUE(isInvalid(badType.m, "unknown type"));

  ModuleBuilder badIndex;
  t = badIndex.type({}, {});
  badIndex.table(funcref);
  badIndex.func({}, {}, Code().i64c(0).op(Opcode::CallIndirect, t, 0).end());
  EXPECT_TRUE(isInvalid(badIndex.m, "type mismatch"));

  // A second table (2.0 allows several) of funcref.
  ModuleBuilder second;
  t = second.type({}, {});
  second.table(externref);
  second.table(funcref);
  second.func({}, {}, Code().i32c(0).op(Opcode::CallIndirect, t, 1).end());
  EXPECT_TRUE(isValid(second.m));
}

// ---------------------------------------------------------------------------
// Parametric instructions

TEST(ValidatorTest, Drop) {
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().f64c().op(Opcode::Drop).end())));
  EXPECT_TRUE(isValid(oneFunc({}, {}, Code().typed(Opcode::RefNull, funcref).op(Opcode::Drop).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().op(Opcode::Drop).end()), "type mismatch"));
}

TEST(ValidatorTest, UntypedSelect) {
  EXPECT_TRUE(isValid(oneFunc({}, {i64}, Code().i64c(1).i64c(2).i32c(0).op(Opcode::Select).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i64}, Code().i64c(1).i32c(2).i32c(0).op(Opcode::Select).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i64}, Code().i64c(1).i64c(2).i64c(0).op(Opcode::Select).end()), "type mismatch"));
  // References need the typed form.
  EXPECT_TRUE(isInvalid(oneFunc({}, {funcref}, Code()
                                                   .typed(Opcode::RefNull, funcref)
                                                   .typed(Opcode::RefNull, funcref)
                                                   .i32c(0)
                                                   .op(Opcode::Select)
                                                   .end()),
                        "type mismatch", kCodeBase + 3));
  // One operand unknown: the other decides.
  EXPECT_TRUE(isValid(oneFunc({}, {f32}, Code().op(Opcode::Unreachable).f32c().i32c(0).op(Opcode::Select).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code()
                                            .op(Opcode::Unreachable)
                                            .typed(Opcode::RefNull, externref)
                                            .i32c(0)
                                            .op(Opcode::Select)
                                            .op(Opcode::Drop)
                                            .end()),
                        "type mismatch"));
  if (findOp("v128.const")) {
    EXPECT_TRUE(isValid(oneFunc({}, {v128}, Code().v128c().v128c().i32c(0).op(Opcode::Select).end())));
  }
}

TEST(ValidatorTest, TypedSelect) {
  EXPECT_TRUE(isValid(oneFunc({}, {funcref}, Code()
                                                 .typed(Opcode::RefNull, funcref)
                                                 .typed(Opcode::RefNull, funcref)
                                                 .i32c(0)
                                                 .typed(Opcode::SelectT, funcref)
                                                 .end())));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().i32c(1).i32c(2).i32c(0).typed(Opcode::SelectT, i32).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {funcref}, Code()
                                                   .typed(Opcode::RefNull, externref)
                                                   .typed(Opcode::RefNull, funcref)
                                                   .i32c(0)
                                                   .typed(Opcode::SelectT, funcref)
                                                   .end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i64}, Code().i32c(1).i32c(2).i32c(0).typed(Opcode::SelectT, i64).end()),
                        "type mismatch"));
}

// ---------------------------------------------------------------------------
// Variables

TEST(ValidatorTest, Locals) {
  EXPECT_TRUE(isValid(oneFunc({i32}, {i64}, Code()
                                                .op(Opcode::LocalGet, 0)
                                                .op(Opcode::I64ExtendI32U)
                                                .op(Opcode::LocalTee, 1)
                                                .op(Opcode::LocalSet, 2)
                                                .op(Opcode::LocalGet, 2)
                                                .end(),
                              {i64, i64})));
  EXPECT_TRUE(isInvalid(oneFunc({i32}, {}, Code().op(Opcode::LocalGet, 2).op(Opcode::Drop).end(), {f32}),
                        "unknown local", kCodeBase));
  EXPECT_TRUE(isInvalid(oneFunc({i32}, {}, Code().f32c().op(Opcode::LocalSet, 0).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().f32c().op(Opcode::LocalTee, 0).end(), {f32}), "type mismatch"));
}

TEST(ValidatorTest, Globals) {
  ModuleBuilder b;
  uint32_t g = b.global(i64, true);
  uint32_t c = b.global(f32, false);
  b.func({}, {f32}, Code().op(Opcode::GlobalGet, g).op(Opcode::GlobalSet, g).op(Opcode::GlobalGet, c).end());
  EXPECT_TRUE(isValid(b.m));

  ModuleBuilder immutable;
  c = immutable.global(i32, false);
  immutable.func({}, {}, Code().i32c(1).op(Opcode::GlobalSet, c).end());
  EXPECT_TRUE(isInvalid(immutable.m, "global is immutable", kCodeBase + 1));

  ModuleBuilder mismatch;
  g = mismatch.global(i32, true);
  mismatch.func({}, {}, Code().i64c(1).op(Opcode::GlobalSet, g).end());
  EXPECT_TRUE(isInvalid(mismatch.m, "type mismatch"));

  ModuleBuilder unknown;
  unknown.importGlobal(i32, false);
  unknown.func({}, {i32}, Code().op(Opcode::GlobalGet, 1).end());
  EXPECT_TRUE(isInvalid(unknown.m, "unknown global"));
}

// ---------------------------------------------------------------------------
// Tables

TEST(ValidatorTest, TableInstructions) {
  ModuleBuilder b;
  uint32_t ft = b.table(funcref);
  uint32_t et = b.table(externref);
  uint32_t seg = b.elem(SegmentMode::Passive, externref, {constRefNull(externref)});
  b.func({}, {}, Code()
                     .i32c(0)
                     .op(Opcode::TableGet, ft)
                     .op(Opcode::Drop)
                     .i32c(0)
                     .typed(Opcode::RefNull, externref)
                     .op(Opcode::TableSet, et)
                     .op(Opcode::TableSize, et)
                     .op(Opcode::Drop)
                     .typed(Opcode::RefNull, funcref)
                     .i32c(1)
                     .op(Opcode::TableGrow, ft)
                     .op(Opcode::Drop)
                     .i32c(0)
                     .typed(Opcode::RefNull, externref)
                     .i32c(1)
                     .op(Opcode::TableFill, et)
                     .i32c(0)
                     .i32c(0)
                     .i32c(0)
                     .op(Opcode::TableCopy, ft, ft)
                     .i32c(0)
                     .i32c(0)
                     .i32c(0)
                     .op(Opcode::TableInit, seg, et)
                     .op(Opcode::ElemDrop, seg)
                     .end());
  EXPECT_TRUE(isValid(b.m));

  auto withTables = [](const Code& code) {
    ModuleBuilder m;
    m.table(funcref);
    m.table(externref);
    m.elem(SegmentMode::Passive, funcref, {});
    m.func({}, {}, code);
    return m.m;
  };
  // Element types must match.
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).typed(Opcode::RefNull, funcref).op(Opcode::TableSet, 1).end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).op(Opcode::TableGet, 1).op(Opcode::TableSet, 0).end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(
      withTables(Code().typed(Opcode::RefNull, funcref).i32c(1).op(Opcode::TableGrow, 1).op(Opcode::Drop).end()),
      "type mismatch"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).typed(Opcode::RefNull, funcref).i32c(1).op(Opcode::TableFill, 1).end()),
                        "type mismatch"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).i32c(0).i32c(0).op(Opcode::TableCopy, 0, 1).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).i32c(0).i32c(0).op(Opcode::TableInit, 0, 1).end()), "type mismatch"));
  // Operands.
  EXPECT_TRUE(isInvalid(withTables(Code().i64c(0).op(Opcode::TableGet, 0).op(Opcode::Drop).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).i32c(0).op(Opcode::TableCopy, 0, 0).end()), "type mismatch"));
  // Indices.
  EXPECT_TRUE(isInvalid(withTables(Code().op(Opcode::TableSize, 2).op(Opcode::Drop).end()), "unknown table"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).op(Opcode::TableGet, 2).op(Opcode::Drop).end()), "unknown table"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).i32c(0).i32c(0).op(Opcode::TableCopy, 0, 3).end()), "unknown table"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).i32c(0).i32c(0).op(Opcode::TableInit, 0, 3).end()), "unknown table"));
  EXPECT_TRUE(isInvalid(withTables(Code().i32c(0).i32c(0).i32c(0).op(Opcode::TableInit, 1, 0).end()),
                        "unknown elem segment"));
  EXPECT_TRUE(isInvalid(withTables(Code().op(Opcode::ElemDrop, 1).end()), "unknown elem segment"));
}

// ---------------------------------------------------------------------------
// Memory

TEST(ValidatorTest, LoadsAndStores) {
  ModuleBuilder b;
  b.memory();
  b.func({}, {}, Code()
                     .i32c(0)
                     .mem(Opcode::I64Load, 3)
                     .op(Opcode::Drop)
                     .i32c(0)
                     .mem(Opcode::I32Load16U, 1)
                     .op(Opcode::Drop)
                     .i32c(0)
                     .f64c()
                     .mem(Opcode::F64Store, 2)
                     .i32c(0)
                     .i64c(0)
                     .mem(Opcode::I64Store32, 2)
                     .end());
  EXPECT_TRUE(isValid(b.m));

  auto withMemory = [](const Code& code) {
    ModuleBuilder m;
    m.memory();
    m.func({}, {}, code);
    return m.m;
  };
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).mem(Opcode::I32Load, 3).op(Opcode::Drop).end()),
                        "alignment must not be larger than natural", kCodeBase + 1));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).mem(Opcode::I64Load8S, 1).op(Opcode::Drop).end()),
                        "alignment must not be larger than natural"));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).i64c(0).mem(Opcode::I64Store32, 3).end()),
                        "alignment must not be larger than natural"));
  EXPECT_TRUE(isInvalid(withMemory(Code().i64c(0).mem(Opcode::I32Load, 2).op(Opcode::Drop).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).i32c(0).mem(Opcode::F32Store, 2).end()), "type mismatch"));

  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(0).mem(Opcode::I32Load, 2).op(Opcode::Drop).end()),
                        "unknown memory", kCodeBase + 1));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(0).i32c(0).mem(Opcode::I32Store8, 0).end()), "unknown memory"));
}

TEST(ValidatorTest, MemoryInstructions) {
  ModuleBuilder b;
  b.memory();
  uint32_t d = b.data(SegmentMode::Passive);
  b.func({}, {}, Code()
                     .op(Opcode::MemorySize)
                     .op(Opcode::MemoryGrow)
                     .op(Opcode::Drop)
                     .i32c(0)
                     .i32c(0)
                     .i32c(0)
                     .op(Opcode::MemoryFill)
                     .i32c(0)
                     .i32c(0)
                     .i32c(0)
                     .op(Opcode::MemoryCopy)
                     .i32c(0)
                     .i32c(0)
                     .i32c(0)
                     .op(Opcode::MemoryInit, d)
                     .op(Opcode::DataDrop, d)
                     .end());
  EXPECT_TRUE(isValid(b.m));

  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().op(Opcode::MemorySize).end()), "unknown memory"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i32c(1).op(Opcode::MemoryGrow).end()), "unknown memory"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(0).i32c(0).i32c(0).op(Opcode::MemoryFill).end()), "unknown memory"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(0).i32c(0).i32c(0).op(Opcode::MemoryCopy).end()), "unknown memory"));

  ModuleBuilder wrongOperand;
  wrongOperand.memory();
  wrongOperand.func({}, {}, Code().i32c(0).i64c(0).i32c(0).op(Opcode::MemoryFill).end());
  EXPECT_TRUE(isInvalid(wrongOperand.m, "type mismatch"));

  ModuleBuilder noMemory;
  noMemory.data(SegmentMode::Passive);
  noMemory.func({}, {}, Code().i32c(0).i32c(0).i32c(0).op(Opcode::MemoryInit, 0).end());
  EXPECT_TRUE(isInvalid(noMemory.m, "unknown memory"));

  ModuleBuilder badData;
  badData.memory();
  badData.data(SegmentMode::Passive);
  badData.func({}, {}, Code().i32c(0).i32c(0).i32c(0).op(Opcode::MemoryInit, 1).end());
  EXPECT_TRUE(isInvalid(badData.m, "unknown data segment"));

  // data.drop needs a data count section and an existing segment.
  ModuleBuilder noSegments;
  noSegments.func({}, {}, Code().op(Opcode::DataDrop, 0).end());
  EXPECT_TRUE(isInvalid(noSegments.m, "unknown data segment", kCodeBase));
  ModuleBuilder noCount;
  noCount.memory();
  noCount.data(SegmentMode::Passive);
  noCount.m.dataCount.reset();
  noCount.func({}, {}, Code().op(Opcode::DataDrop, 0).end());
  EXPECT_TRUE(isInvalid(noCount.m, "data count section required"));
  ModuleBuilder outOfRange;
  outOfRange.memory();
  outOfRange.data(SegmentMode::Active);
  outOfRange.func({}, {}, Code().op(Opcode::DataDrop, 4).end());
  EXPECT_TRUE(isInvalid(outOfRange.m, "unknown data segment"));
}

// ---------------------------------------------------------------------------
// References

TEST(ValidatorTest, RefNullAndIsNull) {
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().typed(Opcode::RefNull, externref).op(Opcode::RefIsNull).end())));
  EXPECT_TRUE(isValid(oneFunc({funcref}, {i32}, Code().op(Opcode::LocalGet, 0).op(Opcode::RefIsNull).end())));
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().op(Opcode::Unreachable).op(Opcode::RefIsNull).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().i32c(0).op(Opcode::RefIsNull).end()), "type mismatch", kCodeBase + 1));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().op(Opcode::RefIsNull).end()), "type mismatch"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {funcref}, Code().typed(Opcode::RefNull, externref).end()), "type mismatch"));
}

TEST(ValidatorTest, RefFuncNeedsADeclaration) {
  // Undeclared.
  ModuleBuilder b;
  b.func({}, {funcref}, Code().op(Opcode::RefFunc, 0).end());
  EXPECT_TRUE(isInvalid(b.m, "undeclared function reference", kCodeBase));
  // Unknown.
  EXPECT_TRUE(isInvalid(oneFunc({}, {funcref}, Code().op(Opcode::RefFunc, 3).end()), "unknown function"));

  // Declared by an export.
  ModuleBuilder exported;
  exported.func({}, {funcref}, Code().op(Opcode::RefFunc, 0).end());
  exported.exportAs("f", ExternKind::Func, 0);
  EXPECT_TRUE(isValid(exported.m));

  // Declared by a declarative element segment.
  ModuleBuilder declared;
  uint32_t f = declared.func({}, {funcref}, Code().op(Opcode::RefFunc, 1).end());
  uint32_t g = declared.func({}, {}, Code().end());
  declared.elem(SegmentMode::Declarative, funcref, {constOf(ConstExpr::Kind::RefFunc, g)});
  (void)f;
  EXPECT_TRUE(isValid(declared.m));

  // Declared by a global initializer (which may name any function).
  ModuleBuilder global;
  global.global(funcref, false, constOf(ConstExpr::Kind::RefFunc, 0));
  global.func({}, {funcref}, Code().op(Opcode::RefFunc, 0).end());
  EXPECT_TRUE(isValid(global.m));

  // Declared by an imported function's export through the import... no: the
  // import alone does not declare it.
  ModuleBuilder imported;
  uint32_t imp = imported.importFunc({}, {});
  imported.func({}, {funcref}, Code().op(Opcode::RefFunc, imp).end());
  EXPECT_TRUE(isInvalid(imported.m, "undeclared function reference"));

  // The start function does not declare it either.
  ModuleBuilder start;
  start.func({}, {}, Code().op(Opcode::RefFunc, 0).op(Opcode::Drop).end());
  start.m.start = 0;
  EXPECT_TRUE(isInvalid(start.m, "undeclared function reference"));
}

// ---------------------------------------------------------------------------
// SIMD (looked up by name: the SIMD rows live in opcodes_simd.def)

TEST(ValidatorTest, SimdLanes) {
  auto extract = findOp("i8x16.extract_lane_s");
  auto replace = findOp("f64x2.replace_lane");
  auto add = findOp("i32x4.add");
  if (!extract || !replace || !add || !findOp("v128.const") || !findOp("i8x16.shuffle"))
    GTEST_SKIP() << "the opcode table has no SIMD rows yet";
  EXPECT_TRUE(isValid(oneFunc({}, {i32}, Code().v128c().lane(*extract, 15).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {i32}, Code().v128c().lane(*extract, 16).end()), "invalid lane index", kCodeBase + 1));
  EXPECT_TRUE(isValid(oneFunc({}, {v128}, Code().v128c().f64c().lane(*replace, 1).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {v128}, Code().v128c().f64c().lane(*replace, 2).end()), "invalid lane index"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {v128}, Code().v128c().f32c().lane(*replace, 1).end()), "type mismatch"));
  EXPECT_TRUE(isValid(oneFunc({}, {v128}, Code().v128c().v128c().op(*add).end())));
  EXPECT_TRUE(isInvalid(oneFunc({}, {v128}, Code().v128c().i32c(0).op(*add).end()), "type mismatch"));
  std::array<uint8_t, 16> mask{};
  mask[3] = 31;
  EXPECT_TRUE(isValid(oneFunc({}, {v128}, Code().v128c().v128c().shuffle(mask).end())));
  mask[5] = 32;
  EXPECT_TRUE(isInvalid(oneFunc({}, {v128}, Code().v128c().v128c().shuffle(mask).end()), "invalid lane index"));
}

TEST(ValidatorTest, SimdMemory) {
  auto load = findOp("v128.load");
  auto splat = findOp("v128.load32_splat");
  auto loadLane = findOp("v128.load16_lane");
  auto storeLane = findOp("v128.store64_lane");
  if (!load || !splat || !loadLane || !storeLane || !findOp("v128.const"))
    GTEST_SKIP() << "the opcode table has no SIMD rows yet";
  auto withMemory = [](const Code& code) {
    ModuleBuilder m;
    m.memory();
    m.func({}, {}, code);
    return m.m;
  };
  EXPECT_TRUE(isValid(withMemory(Code().i32c(0).mem(*load, 4).op(Opcode::Drop).end())));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).mem(*load, 5).op(Opcode::Drop).end()),
                        "alignment must not be larger than natural"));
  EXPECT_TRUE(isValid(withMemory(Code().i32c(0).mem(*splat, 2).op(Opcode::Drop).end())));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).mem(*splat, 3).op(Opcode::Drop).end()),
                        "alignment must not be larger than natural"));
  EXPECT_TRUE(isValid(withMemory(Code().i32c(0).v128c().memLane(*loadLane, 1, 7).op(Opcode::Drop).end())));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).v128c().memLane(*loadLane, 2, 0).op(Opcode::Drop).end()),
                        "alignment must not be larger than natural"));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).v128c().memLane(*loadLane, 1, 8).op(Opcode::Drop).end()),
                        "invalid lane index"));
  EXPECT_TRUE(isValid(withMemory(Code().i32c(0).v128c().memLane(*storeLane, 3, 1).end())));
  EXPECT_TRUE(isInvalid(withMemory(Code().i32c(0).v128c().memLane(*storeLane, 3, 2).end()), "invalid lane index"));
  EXPECT_TRUE(isInvalid(oneFunc({}, {}, Code().i32c(0).mem(*load, 4).op(Opcode::Drop).end()), "unknown memory"));
}

// ---------------------------------------------------------------------------
// The opcode table: every instruction outside block structure is typable
// (by its signature or by hand), and every memory access has a known width.

TEST(ValidatorTest, EveryInstructionHasATypingRule) {
  size_t checked = 0;
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count_); ++i) {
    const Opcode op = static_cast<Opcode>(i);
    if (op == Opcode::Block || op == Opcode::Loop || op == Opcode::If || op == Opcode::Else || op == Opcode::End)
      continue;
    // unreachable; <op with in-range immediates>; unreachable; end
    ModuleBuilder b;
    b.memory();
    b.table(funcref);
    b.global(i32, true);
    uint32_t seg = b.elem(SegmentMode::Passive, funcref, {});
    b.data(SegmentMode::Passive);
    Code code;
    code.op(Opcode::Unreachable);
    Instr in;
    in.op = op;
    in.offsetInFile = code.nextOffset();
    in.valType = opcodeInfo(op).imm == Imm::RefType ? funcref : i32;
    in.index = opcodeInfo(op).imm == Imm::Elem || opcodeInfo(op).imm == Imm::TableInit ? seg : 0;
    if (opcodeInfo(op).imm == Imm::BrTable) {
      code.body.brTargets = {0};
      in.index2 = 1;
    }
    if (opcodeInfo(op).imm == Imm::V128 || opcodeInfo(op).imm == Imm::Shuffle) code.body.v128Consts.push_back({});
    code.body.code.push_back(in);
    code.op(Opcode::Unreachable).end();
    b.func({}, {}, code, {i32});
    b.exportAs("f", ExternKind::Func, 0);  // declares function 0 for ref.func
    EXPECT_TRUE(isValid(b.m)) << opcodeName(op);
    ++checked;
  }
  EXPECT_GT(checked, 150u);
}

// ---------------------------------------------------------------------------
// Module-level rules

TEST(ValidatorTest, TypeIndices) {
  ModuleBuilder b;
  b.func({}, {}, Code().end());
  b.m.funcTypes[0] = 5;
  EXPECT_TRUE(isInvalid(b.m, "unknown type"));

  ModuleBuilder imp;
  imp.importFunc({}, {});
  imp.m.imports[0].funcTypeIndex = 3;
  imp.m.funcTypes[0] = 3;
  EXPECT_TRUE(isInvalid(imp.m, "unknown type"));
}

TEST(ValidatorTest, Memories) {
  ModuleBuilder one;
  one.memory(1, 65536);
  EXPECT_TRUE(isValid(one.m));

  ModuleBuilder two;
  two.memory();
  two.memory();
  EXPECT_TRUE(isInvalid(two.m, "multiple memories"));

  ModuleBuilder tooBig;
  tooBig.memory(65537);
  EXPECT_TRUE(isInvalid(tooBig.m, "memory size must be at most 65536 pages (4GiB)"));
  ModuleBuilder tooBigMax;
  tooBigMax.memory(0, 65537);
  EXPECT_TRUE(isInvalid(tooBigMax.m, "memory size must be at most 65536 pages (4GiB)"));

  ModuleBuilder minMax;
  minMax.memory(2, 1);
  EXPECT_TRUE(isInvalid(minMax.m, "size minimum must not be greater than maximum"));
}

TEST(ValidatorTest, Tables) {
  ModuleBuilder ok;
  ok.table(funcref, 0, 0xFFFFFFFFull);
  ok.table(externref, 10, 10);
  EXPECT_TRUE(isValid(ok.m));

  ModuleBuilder minMax;
  minMax.table(funcref, 3, 2);
  EXPECT_TRUE(isInvalid(minMax.m, "size minimum must not be greater than maximum"));

  ModuleBuilder tooBig;
  tooBig.table(funcref, 0x100000000ull);
  EXPECT_TRUE(isInvalid(tooBig.m, "table size"));
}

TEST(ValidatorTest, Exports) {
  ModuleBuilder ok;
  ok.func({}, {}, Code().end());
  ok.table();
  ok.memory();
  ok.global(i32, true);
  ok.exportAs("f", ExternKind::Func, 0);
  ok.exportAs("t", ExternKind::Table, 0);
  ok.exportAs("m", ExternKind::Memory, 0);
  ok.exportAs("g", ExternKind::Global, 0);
  EXPECT_TRUE(isValid(ok.m));

  Module dup = ok.m;
  dup.exports.push_back(Export{"t", ExternKind::Func, 0});
  EXPECT_TRUE(isInvalid(dup, "duplicate export name"));

  const std::pair<ExternKind, const char*> kinds[] = {{ExternKind::Func, "unknown function"},
                                                      {ExternKind::Table, "unknown table"},
                                                      {ExternKind::Memory, "unknown memory"},
                                                      {ExternKind::Global, "unknown global"}};
  for (auto [kind, phrase] : kinds) {
    Module bad = ok.m;
    bad.exports.push_back(Export{"x", kind, 1});
    EXPECT_TRUE(isInvalid(bad, phrase)) << phrase;
  }
}

TEST(ValidatorTest, StartFunction) {
  ModuleBuilder ok;
  ok.func({}, {}, Code().end());
  ok.m.start = 0;
  EXPECT_TRUE(isValid(ok.m));

  ModuleBuilder unknown;
  unknown.func({}, {}, Code().end());
  unknown.m.start = 1;
  EXPECT_TRUE(isInvalid(unknown.m, "unknown function"));

  ModuleBuilder params;
  params.func({i32}, {}, Code().end());
  params.m.start = 0;
  EXPECT_TRUE(isInvalid(params.m, "start function"));

  ModuleBuilder results;
  results.importFunc({}, {i32});
  results.m.start = 0;
  EXPECT_TRUE(isInvalid(results.m, "start function"));
}

TEST(ValidatorTest, GlobalInitializers) {
  ModuleBuilder ok;
  uint32_t imported = ok.importGlobal(i64, false);
  ok.global(i64, true, constOf(ConstExpr::Kind::GlobalGet, imported));
  ok.global(v128);
  ok.global(externref);
  ok.global(funcref, false, constRefNull(funcref));
  EXPECT_TRUE(isValid(ok.m));

  // global.get of a non-imported global.
  ModuleBuilder local;
  local.global(i32);
  local.global(i32, false, constOf(ConstExpr::Kind::GlobalGet, 0, 0x77));
  EXPECT_TRUE(isInvalid(local.m, "unknown global", 0x77));
  ModuleBuilder missing;
  missing.global(i32, false, constOf(ConstExpr::Kind::GlobalGet, 5));
  EXPECT_TRUE(isInvalid(missing.m, "unknown global"));

  // global.get of a mutable import.
  ModuleBuilder mut;
  mut.importGlobal(i32, true);
  mut.global(i32, false, constOf(ConstExpr::Kind::GlobalGet, 0));
  EXPECT_TRUE(isInvalid(mut.m, "constant expression required"));

  // Result type.
  ModuleBuilder wrong;
  wrong.global(i32, false, constOf(ConstExpr::Kind::I64Const, 0, 0x66));
  EXPECT_TRUE(isInvalid(wrong.m, "type mismatch", 0x66));
  ModuleBuilder wrongImport;
  wrongImport.importGlobal(f32, false);
  wrongImport.global(i32, false, constOf(ConstExpr::Kind::GlobalGet, 0));
  EXPECT_TRUE(isInvalid(wrongImport.m, "type mismatch"));
  ModuleBuilder wrongRef;
  wrongRef.global(externref, false, constRefNull(funcref));
  EXPECT_TRUE(isInvalid(wrongRef.m, "type mismatch"));
  ModuleBuilder refFunc;
  refFunc.global(externref, false, constOf(ConstExpr::Kind::RefFunc, 0));
  refFunc.func({}, {}, Code().end());
  EXPECT_TRUE(isInvalid(refFunc.m, "type mismatch"));
  ModuleBuilder unknownFunc;
  unknownFunc.global(funcref, false, constOf(ConstExpr::Kind::RefFunc, 0));
  EXPECT_TRUE(isInvalid(unknownFunc.m, "unknown function"));
}

TEST(ValidatorTest, ElementSegments) {
  ModuleBuilder ok;
  ok.importGlobal(i32, false);
  ok.importGlobal(funcref, false);
  ok.table(funcref);
  ok.table(externref);
  ok.func({}, {}, Code().end());
  ok.elem(SegmentMode::Active, funcref,
          {constOf(ConstExpr::Kind::RefFunc, 0), constRefNull(funcref), constOf(ConstExpr::Kind::GlobalGet, 1)}, 0,
          constOf(ConstExpr::Kind::GlobalGet, 0));
  ok.elem(SegmentMode::Active, externref, {constRefNull(externref)}, 1);
  ok.elem(SegmentMode::Passive, funcref, {constOf(ConstExpr::Kind::RefFunc, 0)});
  ok.elem(SegmentMode::Declarative, funcref, {constOf(ConstExpr::Kind::RefFunc, 0)});
  EXPECT_TRUE(isValid(ok.m));

  auto base = []() {
    ModuleBuilder b;
    b.table(funcref);
    b.func({}, {}, Code().end());
    return b;
  };
  {
    ModuleBuilder b = base();
    b.elem(SegmentMode::Active, funcref, {}, 0, constOf(ConstExpr::Kind::I64Const, 0, 0x99));
    EXPECT_TRUE(isInvalid(b.m, "type mismatch", 0x99));
  }
  {
    ModuleBuilder b = base();
    b.elem(SegmentMode::Active, funcref, {}, 1);
    EXPECT_TRUE(isInvalid(b.m, "unknown table"));
  }
  {
    ModuleBuilder b = base();
    b.elem(SegmentMode::Active, externref, {}, 0);
    EXPECT_TRUE(isInvalid(b.m, "type mismatch"));
  }
  {
    ModuleBuilder b = base();
    b.elem(SegmentMode::Passive, externref, {constOf(ConstExpr::Kind::RefFunc, 0)});
    EXPECT_TRUE(isInvalid(b.m, "type mismatch"));
  }
  {
    ModuleBuilder b = base();
    b.elem(SegmentMode::Passive, funcref, {constRefNull(externref)});
    EXPECT_TRUE(isInvalid(b.m, "type mismatch"));
  }
  {
    ModuleBuilder b = base();
    b.elem(SegmentMode::Active, funcref, {constOf(ConstExpr::Kind::RefFunc, 1)});
    EXPECT_TRUE(isInvalid(b.m, "unknown function"));
  }
  {
    ModuleBuilder b = base();
    b.global(i32);
    b.elem(SegmentMode::Active, funcref, {}, 0, constOf(ConstExpr::Kind::GlobalGet, 0));
    EXPECT_TRUE(isInvalid(b.m, "unknown global"));
  }
  {
    ModuleBuilder b;
    b.importGlobal(i32, true);
    b.table(funcref);
    b.elem(SegmentMode::Active, funcref, {}, 0, constOf(ConstExpr::Kind::GlobalGet, 0));
    EXPECT_TRUE(isInvalid(b.m, "constant expression required"));
  }
}

TEST(ValidatorTest, DataSegments) {
  ModuleBuilder ok;
  ok.importGlobal(i32, false);
  ok.memory();
  ok.data(SegmentMode::Active, 0, constOf(ConstExpr::Kind::GlobalGet, 0));
  ok.data(SegmentMode::Passive);
  EXPECT_TRUE(isValid(ok.m));

  ModuleBuilder noMemory;
  noMemory.data(SegmentMode::Active);
  EXPECT_TRUE(isInvalid(noMemory.m, "unknown memory"));
  ModuleBuilder passiveNoMemory;
  passiveNoMemory.data(SegmentMode::Passive);
  EXPECT_TRUE(isValid(passiveNoMemory.m));

  ModuleBuilder wrongOffset;
  wrongOffset.memory();
  wrongOffset.data(SegmentMode::Active, 0, constOf(ConstExpr::Kind::F32Const));
  EXPECT_TRUE(isInvalid(wrongOffset.m, "type mismatch"));

  ModuleBuilder localGlobal;
  localGlobal.memory();
  localGlobal.global(i32);
  localGlobal.data(SegmentMode::Active, 0, constOf(ConstExpr::Kind::GlobalGet, 0));
  EXPECT_TRUE(isInvalid(localGlobal.m, "unknown global"));
}

TEST(ValidatorTest, FunctionAndCodeCountsAgree) {
  ModuleBuilder b;
  b.func({}, {}, Code().end());
  b.m.bodies.clear();
  EXPECT_TRUE(isInvalid(b.m, "function and code section have inconsistent lengths"));
}

TEST(ValidatorTest, ErrorsNameTheInstruction) {
  ModuleBuilder b;
  b.func({}, {i32}, Code().i32c(1).f32c().op(Opcode::I32Add).end());
  try {
    validateModule(b.m);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.offset(), kCodeBase + 2);
    EXPECT_NE(std::string(e.what()).find("i32.add"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------
// The spec test suite: every assert_invalid module must be rejected (by the
// decoder or the validator), every module that the script instantiates must
// pass both. wast2json (wabt) turns the scripts into JSON plus .wasm files.

namespace fs = std::filesystem;

// The scripts checked by default; KILN_VALIDATOR_SPEC_SCRIPTS overrides the
// list (comma-separated names without .wast, or "all").
constexpr std::string_view kDefaultScripts[] = {
    "unreached-invalid", "unreached-valid", "block", "loop", "if", "br", "br_if", "br_table", "return",
    "call", "call_indirect", "select", "ref_func", "ref_null", "ref_is_null", "global", "local_get",
    "local_set", "local_tee", "memory", "align", "data", "elem", "exports", "start", "func", "table",
    "table_get", "table_set", "table_grow", "table_fill", "table_copy", "table_init", "bulk",
    "memory_init", "memory_copy", "memory_fill", "simd_lane", "simd_align", "simd_load8_lane",
    "simd_store64_lane", "nop", "labels", "stack", "unwind",
};

bool haveWast2json() { return std::system("command -v wast2json >/dev/null 2>&1") == 0; }

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::vector<uint8_t> readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The value of `"key": "value"` in one line of wast2json output, or "".
std::string jsonField(const std::string& line, std::string_view key) {
  std::string needle = "\"";  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on "..." + string
  needle.append(key).append("\": \"");
  size_t at = line.find(needle);
  if (at == std::string::npos) return {};
  at += needle.size();
  size_t end = line.find('"', at);
  return end == std::string::npos ? std::string() : line.substr(at, end - at);
}

struct ScriptResult {
  int invalid = 0, invalidRejected = 0;
  int valid = 0, validAccepted = 0;
  int invalidByValidator = 0;  // rejected by validateModule rather than the decoder
  int invalidSameMessage = 0;  // rejected with the message the script expects
  std::vector<std::string> failures;
  std::vector<std::string> otherMessages;
};

ScriptResult runScript(const fs::path& wast, const fs::path& outDir) {
  ScriptResult r;
  const std::string name = wast.stem().string();
  const fs::path json = outDir / (name + ".json");
  std::string cmd = "wast2json " + shellQuote(wast.string()) + " -o " + shellQuote(json.string()) + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    r.failures.push_back(name + ": wast2json failed");
    return r;
  }
  std::ifstream in(json);
  std::string line;
  while (std::getline(in, line)) {
    // One command per line: {"type": "...", "line": N, "filename": "...", ...}
    const std::string type = jsonField(line, "type");
    const bool mustFail = type == "assert_invalid";
    const bool mustPass = type == "module" || type == "assert_uninstantiable" || type == "assert_unlinkable";
    if (!mustFail && !mustPass) continue;
    const std::string file = jsonField(line, "filename");
    if (file.empty() || !file.ends_with(".wasm") || jsonField(line, "module_type") == "text") continue;
    size_t lineAt = line.find("\"line\": ");
    std::string where = name + ".wast:" + (lineAt == std::string::npos ? "?" : std::to_string(std::atoi(line.c_str() + lineAt + 8)));
    const std::vector<uint8_t> bytes = readBytes(outDir / file);
    std::string error;
    bool byValidator = false;
    bool sameMessage = false;
    try {
      Module m = readModule(bytes);
      validateModule(m);
    } catch (const Error& e) {
      error = e.describe();
      byValidator = e.kind() == Error::Kind::Invalid;
      sameMessage = std::string_view(e.what()).starts_with(jsonField(line, "text"));
    } catch (const std::exception& e) {
      error = std::string("unexpected exception: ") + e.what();
    }
    if (mustFail) {
      ++r.invalid;
      if (!error.empty() && !error.starts_with("unexpected exception")) {
        ++r.invalidRejected;
        r.invalidByValidator += byValidator;
        r.invalidSameMessage += sameMessage;
        if (!sameMessage) r.otherMessages.push_back(where + ": expected \"" + jsonField(line, "text") + "\", got " + error);
      }
      else if (error.empty()) r.failures.push_back(where + ": accepted, expected \"" + jsonField(line, "text") + "\"");
      else r.failures.push_back(where + ": " + error);
    } else {
      ++r.valid;
      if (error.empty()) ++r.validAccepted;
      else r.failures.push_back(where + ": valid module rejected: " + error);
    }
  }
  return r;
}

TEST(ValidatorSpecTest, SpecScripts) {
  if (!haveWast2json()) GTEST_SKIP() << "wast2json (wabt) is not installed";
  const fs::path suite = fs::path(KILN_SOURCE_DIR) / ".." / "shared" / "wasm-testsuite" / "core";
  if (!fs::is_directory(suite)) GTEST_SKIP() << "no spec test suite at " << suite;

  std::vector<fs::path> scripts;
  const char* env = std::getenv("KILN_VALIDATOR_SPEC_SCRIPTS");
  std::string selection = env ? env : "";
  if (selection == "all") {
    for (const auto& entry : fs::directory_iterator(suite))
      if (entry.path().extension() == ".wast") scripts.push_back(entry.path());
    std::sort(scripts.begin(), scripts.end());
  } else if (!selection.empty()) {
    std::stringstream ss(selection);
    for (std::string name; std::getline(ss, name, ',');) scripts.push_back(suite / (name + ".wast"));
  } else {
    for (std::string_view name : kDefaultScripts) scripts.push_back(suite / (std::string(name) + ".wast"));
  }

  std::string tmpl = (fs::temp_directory_path() / "kiln-validator-spec-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const fs::path outDir = tmpl;

  ScriptResult total;
  for (const fs::path& script : scripts) {
    if (!fs::exists(script)) {
      ADD_FAILURE() << "missing spec script " << script;
      continue;
    }
    ScriptResult r = runScript(script, outDir);
    total.invalid += r.invalid;
    total.invalidRejected += r.invalidRejected;
    total.valid += r.valid;
    total.validAccepted += r.validAccepted;
    total.invalidByValidator += r.invalidByValidator;
    total.invalidSameMessage += r.invalidSameMessage;
    for (const std::string& f : r.failures) ADD_FAILURE() << f;
    if (std::getenv("KILN_VALIDATOR_SPEC_VERBOSE"))
      for (const std::string& m : r.otherMessages) std::printf("  other message: %s\n", m.c_str());
  }
  std::error_code ec;
  fs::remove_all(outDir, ec);

  std::printf(
      "spec scripts: %zu; assert_invalid rejected %d of %d (%d by the validator, %d with the expected message); "
      "valid modules accepted %d of %d\n",
      scripts.size(), total.invalidRejected, total.invalid, total.invalidByValidator, total.invalidSameMessage,
      total.validAccepted, total.valid);
  RecordProperty("assert_invalid", std::to_string(total.invalidRejected) + "/" + std::to_string(total.invalid));
  RecordProperty("valid_modules", std::to_string(total.validAccepted) + "/" + std::to_string(total.valid));
  EXPECT_GT(total.invalid, 0);
  EXPECT_GT(total.valid, 0);
}

}  // namespace
}  // namespace kiln::wasm
