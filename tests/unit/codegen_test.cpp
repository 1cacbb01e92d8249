// Translation to LLVM IR: ABI layouts agree with include/kiln/abi.h, the
// generated IR verifies, and optimisation keeps wasm's semantics where LLVM
// would otherwise change them (self-recursion must still exhaust the stack).
#include <gtest/gtest.h>
#include <llvm/IR/DataLayout.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <cstddef>
#include <regex>

#include "codegen/codegen.h"
#include "codegen_test_util.h"
#include "codegen/module_context.h"
#include "kiln/abi.h"

namespace {

using namespace kiln;
using wasm::Instr;
using wasm::Opcode;
using wasm::ValType;

using test_util::compile;
using test_util::op;

// A module with one type, one function built from `code`, exported as "f".
wasm::Module oneFunction(wasm::FuncType type, std::vector<Instr> code, std::vector<ValType> locals = {}) {
  wasm::Module m;
  m.types.push_back(std::move(type));
  m.funcTypes.push_back(0);
  wasm::FunctionBody body;
  body.locals = std::move(locals);
  body.code = std::move(code);
  m.bodies.push_back(std::move(body));
  m.exports.push_back({"f", wasm::ExternKind::Func, 0});
  m.funcNames[0] = "f";
  return m;
}

TEST(CodegenLayout, DescriptorStructsMatchAbiHeader) {
  wasm::Module m = oneFunction({{ValType::I32}, {ValType::I32}}, {op(Opcode::LocalGet, 0), op(Opcode::End)});
  auto c = compile(m, 0);
  const llvm::DataLayout& dl = c->module->getDataLayout();
  auto size = [&](const char* name) {
    llvm::StructType* t = llvm::StructType::getTypeByName(c->context, name);
    EXPECT_NE(t, nullptr) << name;
    return t ? dl.getTypeAllocSize(t).getFixedValue() : 0;
  };
  auto offset = [&](const char* name, unsigned field) {
    llvm::StructType* t = llvm::StructType::getTypeByName(c->context, name);
    return t ? dl.getStructLayout(t)->getElementOffset(field).getFixedValue() : 0;
  };
  EXPECT_EQ(size("kiln_const_expr"), sizeof(kiln_const_expr));
  EXPECT_EQ(size("kiln_type_desc"), sizeof(kiln_type_desc));
  EXPECT_EQ(size("kiln_import_desc"), sizeof(kiln_import_desc));
  EXPECT_EQ(size("kiln_export_desc"), sizeof(kiln_export_desc));
  EXPECT_EQ(size("kiln_func_desc"), sizeof(kiln_func_desc));
  EXPECT_EQ(size("kiln_table_desc"), sizeof(kiln_table_desc));
  EXPECT_EQ(size("kiln_memory_desc"), sizeof(kiln_memory_desc));
  EXPECT_EQ(size("kiln_global_desc"), sizeof(kiln_global_desc));
  EXPECT_EQ(size("kiln_elem_desc"), sizeof(kiln_elem_desc));
  EXPECT_EQ(size("kiln_data_desc"), sizeof(kiln_data_desc));
  EXPECT_EQ(size("kiln_module_desc"), sizeof(kiln_module_desc));
  EXPECT_EQ(offset("kiln_module_desc", 5), offsetof(kiln_module_desc, vmctx_size));
  EXPECT_EQ(offset("kiln_module_desc", 14), offsetof(kiln_module_desc, funcs));
  EXPECT_EQ(offset("kiln_module_desc", 24), offsetof(kiln_module_desc, start_func));
  EXPECT_EQ(offset("kiln_module_desc", 26), offsetof(kiln_module_desc, code_begin));
  EXPECT_EQ(offset("kiln_global_desc", 4), offsetof(kiln_global_desc, vmctx_offset));
  EXPECT_EQ(offset("kiln_global_desc", 5), offsetof(kiln_global_desc, init));
  EXPECT_EQ(offset("kiln_elem_desc", 7), offsetof(kiln_elem_desc, items));
  EXPECT_EQ(offset("kiln_data_desc", 5), offsetof(kiln_data_desc, bytes));
  EXPECT_NE(c->module->getNamedGlobal(KILN_MODULE_SYMBOL), nullptr);
}

// LLVM's tail-recursion elimination would turn `(func $f (call $f))` into
// an endless loop; the spec requires it to exhaust the stack and trap.
TEST(Codegen, SelfRecursionStaysACall) {
  wasm::Module m = oneFunction({{}, {}}, {op(Opcode::Call, 0), op(Opcode::End)});
  for (int level : {0, 1, 2, 3}) {
    auto c = compile(m, level);
    std::string ir = c->ir();
    EXPECT_NE(ir.find("call void @wasm.f0.f("), std::string::npos) << "at -O" << level << "\n" << ir;
    EXPECT_NE(ir.find("llvm.frameaddress"), std::string::npos) << "stack check missing at -O" << level;
  }
}

TEST(Codegen, DivisionTrapsOnZeroAndOverflow) {
  wasm::Module m = oneFunction({{ValType::I32, ValType::I32}, {ValType::I32}},
                               {op(Opcode::LocalGet, 0), op(Opcode::LocalGet, 1), op(Opcode::I32DivS), op(Opcode::End)});
  auto c = compile(m, 2);
  std::string ir = c->ir();
  EXPECT_NE(ir.find("@kiln_rt_trap(ptr"), std::string::npos);
  EXPECT_NE(ir.find(", i32 " + std::to_string(KILN_TRAP_INTEGER_DIVIDE_BY_ZERO) + ", i32 0)"), std::string::npos) << ir;
  EXPECT_NE(ir.find(", i32 " + std::to_string(KILN_TRAP_INTEGER_OVERFLOW) + ", i32 0)"), std::string::npos) << ir;
}

// Multi-value: a block with two results and a function returning both.
TEST(Codegen, MultiValueBlocksAndReturns) {
  wasm::Module m;
  m.types.push_back({{}, {ValType::I32, ValType::I64}});
  m.funcTypes.push_back(0);
  wasm::FunctionBody body;
  Instr block = op(Opcode::Block);
  block.blockType.kind = wasm::BlockType::Kind::TypeIndex;
  block.blockType.typeIndex = 0;
  body.code = {block, op(Opcode::I32Const, 0, 7), op(Opcode::I64Const, 0, 9), op(Opcode::End), op(Opcode::End)};
  m.bodies.push_back(body);
  auto c = compile(m, 0);
  EXPECT_NE(c->ir().find("ret { i32, i64 }"), std::string::npos) << c->ir();
}

// Dead code after `br` may contain nested blocks; none of it is emitted.
TEST(Codegen, DeadCodeAfterBranchIsSkipped) {
  Instr block = op(Opcode::Block);
  Instr inner = op(Opcode::Block);
  std::vector<Instr> code = {block, op(Opcode::Br, 0), inner, op(Opcode::Unreachable), op(Opcode::End),
                             op(Opcode::I32Const, 0, 1), op(Opcode::Drop), op(Opcode::End),
                             op(Opcode::I32Const, 0, 5), op(Opcode::End)};
  wasm::Module m = oneFunction({{}, {ValType::I32}}, code);
  auto c = compile(m, 0);
  EXPECT_EQ(c->ir().find("kiln_rt_trap"), std::string::npos) << c->ir();
}

// After an access at x, x + 8 cannot wrap (memories stay below 4 GiB - 64
// KiB), which is what lets LLVM vectorize pointer loops; without the access,
// nothing is assumed.
TEST(Codegen, AddressIncrementAfterAccessIsNoWrap) {
  auto module = [](bool accessFirst) {
    std::vector<Instr> code;
    if (accessFirst) {
      Instr load = op(Opcode::I32Load);
      code = {op(Opcode::LocalGet, 0), load, op(Opcode::Drop)};
    }
    for (Instr i : {op(Opcode::LocalGet, 0), op(Opcode::I32Const, 0, 8), op(Opcode::I32Add), op(Opcode::End)}) {
      code.push_back(i);
    }
    wasm::Module m = oneFunction({{ValType::I32}, {ValType::I32}}, code);
    m.memories.push_back({{1, std::nullopt}});
    return m;
  };
  EXPECT_NE(compile(module(true), 0)->ir().find("add nuw i32"), std::string::npos);
  EXPECT_EQ(compile(module(false), 0)->ir().find("add nuw"), std::string::npos);
}

// Epoch checks (interrupt_checks.h): every cycle of the emitted code passes
// one, at every optimisation level; a module compiled without them has none.
TEST(Codegen, EpochChecksInEveryLoop) {
  Instr loop = op(Opcode::Loop);
  wasm::Module m = oneFunction({{}, {}}, {loop, op(Opcode::Br, 0), op(Opcode::End), op(Opcode::End)});
  const std::string trap = "i32 " + std::to_string(KILN_TRAP_INTERRUPTED) + ", i32 0)";
  for (int level : {0, 1, 2, 3}) {
    std::string ir = compile(m, level)->ir();
    EXPECT_NE(ir.find("load atomic i32, ptr %interrupt_ptr monotonic"), std::string::npos) << "-O" << level << "\n"
                                                                                            << ir;
    EXPECT_NE(ir.find("%count = sub i32 %"), std::string::npos) << "-O" << level << "\n" << ir;
    EXPECT_NE(ir.find(trap), std::string::npos) << "-O" << level << "\n" << ir;
  }
  codegen::Options off;
  off.epochChecks = false;
  std::string ir = compile(m, 2, off)->ir();
  EXPECT_EQ(ir.find("load atomic"), std::string::npos) << ir;
  EXPECT_EQ(ir.find(trap), std::string::npos) << ir;
}

// A function without loops has no countdown: its calls are covered by the
// stack check before them, whose limit the runtime raises out of reach to
// interrupt (an atomic load, so that it is read afresh), and only the path
// that calls pays for it.
TEST(Codegen, CallsAreCheckedByTheStackCheck) {
  Instr ifOp = op(Opcode::If);
  wasm::Module m = oneFunction({{ValType::I32}, {}},
                               {op(Opcode::LocalGet, 0), ifOp, op(Opcode::LocalGet, 0), op(Opcode::I32Const, 0, 1),
                                op(Opcode::I32Sub), op(Opcode::Call, 0), op(Opcode::End), op(Opcode::End)});
  std::string ir = compile(m, 2)->ir();
  size_t check = ir.find("load atomic i64");
  size_t call = ir.find("call void @wasm.f0.f(");
  ASSERT_NE(check, std::string::npos) << ir;
  ASSERT_NE(call, std::string::npos) << ir;
  EXPECT_LT(check, call) << ir;
  EXPECT_LT(ir.find("br i1"), check) << ir;  // the entry block only tests the argument
  EXPECT_EQ(ir.find("%interrupt"), std::string::npos) << ir;
}

// A loop that calls on every iteration runs a stack check each time, which
// is an interruption check too: no countdown. One that calls only on some
// iterations gets one.
TEST(Codegen, LoopsThatAlwaysCallNeedNoCountdown) {
  // Function 0 is an import (env.g: (i32) -> ()), function 1 loops calling it.
  auto module = [](bool always) {
    Instr loop = op(Opcode::Loop);
    Instr ifOp = op(Opcode::If);
    // loop { if (always || n & 1) g(n); n -= 1; br_if n }
    std::vector<Instr> code = {loop};
    if (!always) code.insert(code.end(), {op(Opcode::LocalGet, 0), op(Opcode::I32Const, 0, 1), op(Opcode::I32And), ifOp});
    code.insert(code.end(), {op(Opcode::LocalGet, 0), op(Opcode::Call, 0)});
    if (!always) code.push_back(op(Opcode::End));
    code.insert(code.end(), {op(Opcode::LocalGet, 0), op(Opcode::I32Const, 0, 1), op(Opcode::I32Sub),
                             op(Opcode::LocalTee, 0), op(Opcode::BrIf, 0), op(Opcode::End), op(Opcode::End)});
    wasm::Module m = oneFunction({{ValType::I32}, {}}, code);
    m.imports.push_back({"env", "g", wasm::ExternKind::Func, 0, {}, {}, {}});
    m.numImportedFuncs = 1;
    m.funcTypes.insert(m.funcTypes.begin(), 0);
    m.exports[0].index = 1;
    m.funcNames.clear();
    m.funcNames[1] = "f";
    return m;
  };
  std::string ir = compile(module(true), 2)->ir();
  EXPECT_EQ(ir.find("%count"), std::string::npos) << ir;
  EXPECT_NE(ir.find("load atomic i64"), std::string::npos) << ir;
  ir = compile(module(false), 2)->ir();
  EXPECT_NE(ir.find("%count"), std::string::npos) << ir;
}

// The checks go in after the loop vectorizer, so a loop over linear memory
// still becomes vector code.
TEST(Codegen, EpochChecksKeepLoopsVectorized) {
  // for (i = 0; i != n; ++i) mem[4*i] += 1
  Instr loop = op(Opcode::Loop);
  Instr load = op(Opcode::I32Load);
  Instr store = op(Opcode::I32Store);
  std::vector<Instr> code = {
      loop,
      op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 2), op(Opcode::I32Shl),  // address
      op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 2), op(Opcode::I32Shl), load,
      op(Opcode::I32Const, 0, 1), op(Opcode::I32Add), store,
      op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 1), op(Opcode::I32Add), op(Opcode::LocalTee, 1),
      op(Opcode::LocalGet, 0), op(Opcode::I32Ne), op(Opcode::BrIf, 0),
      op(Opcode::End), op(Opcode::End)};
  wasm::Module m = oneFunction({{ValType::I32}, {}}, code, {ValType::I32});
  m.memories.push_back({{1, std::nullopt}});
  std::string ir = compile(m, 2)->ir();
  EXPECT_NE(ir.find("x i32>"), std::string::npos) << "not vectorized:\n" << ir;
  EXPECT_NE(ir.find("load atomic i32"), std::string::npos) << ir;
}

// A short loop (a constant bound on its trip count) is charged its bound in
// its preheader and has no check inside; the same loop with a trip count
// from an argument counts down every iteration.
TEST(Codegen, ShortLoopsAreChargedOnEntry) {
  // i = 0; loop { mem[4*i] += i; i += 1; br_if (i != n) }, where n is the
  // constant 1000 or the argument
  auto module = [](bool constantTrips) {
    Instr loop = op(Opcode::Loop);
    Instr load = op(Opcode::I32Load);
    Instr store = op(Opcode::I32Store);
    std::vector<Instr> code = {
        loop,
        op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 2), op(Opcode::I32Shl),
        op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 2), op(Opcode::I32Shl), load,
        op(Opcode::LocalGet, 1), op(Opcode::I32Add), store,
        op(Opcode::LocalGet, 1), op(Opcode::I32Const, 0, 1), op(Opcode::I32Add), op(Opcode::LocalTee, 1),
        constantTrips ? op(Opcode::I32Const, 0, 1000) : op(Opcode::LocalGet, 0), op(Opcode::I32Ne), op(Opcode::BrIf, 0),
        op(Opcode::End), op(Opcode::End)};
    wasm::Module m = oneFunction({{ValType::I32}, {}}, code, {ValType::I32});
    m.memories.push_back({{1, std::nullopt}});
    return m;
  };
  std::regex countdown(R"(%count\d* = sub i32 \S+, (\d+))");
  auto weights = [&](const std::string& ir) {
    std::vector<long> found;
    for (std::sregex_iterator it(ir.begin(), ir.end(), countdown), end; it != end; ++it)
      found.push_back(std::stol((*it)[1]));
    return found;
  };
  codegen::Options explicitChecks;
  explicitChecks.explicitBoundsChecks = true;
  std::string ir = compile(module(true), 2, explicitChecks)->ir();
  std::vector<long> w = weights(ir);
  ASSERT_EQ(w.size(), 1u) << ir;
  EXPECT_GT(w[0], 1) << ir;
  EXPECT_LE(w[0], 1000) << ir;
  EXPECT_NE(ir.find("load atomic i32, ptr %interrupt_ptr monotonic"), std::string::npos) << ir;
  // With guard pages the loop is versioned on its run being in bounds
  // (access_versioning.h); both copies still count down (the unrolled
  // vector loop exits from its middle, so it is charged per iteration).
  ir = compile(module(true), 2)->ir();
  w = weights(ir);
  ASSERT_EQ(w.size(), 2u) << ir;
  for (long weight : w) EXPECT_LE(weight, 1000) << ir;
  ir = compile(module(false), 2)->ir();
  w = weights(ir);
  ASSERT_FALSE(w.empty()) << ir;
  for (long weight : w) EXPECT_EQ(weight, 1) << ir;
}

// Fuel: each straight-line run subtracts its cost and traps below zero.
TEST(Codegen, FuelIsChargedPerRun) {
  Instr loop = op(Opcode::Loop);
  wasm::Module m = oneFunction({{}, {}}, {loop, op(Opcode::Br, 0), op(Opcode::End), op(Opcode::End)});
  codegen::Options fuel;
  fuel.fuel = true;
  std::string ir = compile(m, 0, fuel)->ir();
  EXPECT_NE(ir.find("sub i64 %fuel, 1"), std::string::npos) << ir;
  EXPECT_NE(ir.find("i32 " + std::to_string(KILN_TRAP_OUT_OF_FUEL) + ", i32 0)"), std::string::npos) << ir;
  EXPECT_EQ(compile(m, 0)->ir().find("%fuel"), std::string::npos);
}

// Large frames call the runtime's stack probe (abi.h, the stack contract).
TEST(Codegen, FramesProbeTheStack) {
  wasm::Module m = oneFunction({{}, {}}, {op(Opcode::End)});
  std::string ir = compile(m, 2)->ir();
  EXPECT_NE(ir.find("\"probe-stack\"=\"" KILN_RT_PROBESTACK_SYMBOL "\""), std::string::npos) << ir;
  EXPECT_NE(ir.find("\"stack-probe-size\"=\"" + std::to_string(KILN_STACK_PROBE_SIZE) + "\""), std::string::npos)
      << ir;
}

TEST(Codegen, UnknownCpuIsAClearError) {
  codegen::Options options;
  options.cpu = "no-such-cpu";
  try {
    codegen::createTargetMachine(options);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("unknown CPU 'no-such-cpu'"), std::string::npos) << e.what();
  }
}

}  // namespace
