// Lowers one wasm function body to LLVM IR. The operand stack holds LLVM
// values; each wasm block becomes basic blocks with phi nodes for its
// results. Instruction families are lowered in their own files
// (lower_control.cpp, lower_numeric.cpp, lower_memory.cpp, ...), all
// members of this class.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <array>
#include <set>
#include <unordered_map>
#include <vector>

#include "codegen/module_context.h"

namespace kiln::codegen {

class FunctionTranslator {
  // A local's value between two assignments: (local index, version).
  using LocalValue = std::pair<uint32_t, uint32_t>;

 public:
  FunctionTranslator(ModuleContext& mc, uint32_t funcIndex);
  void translate();

 private:
  struct Control {
    enum class Kind { Function, Block, Loop, If };
    Kind kind;
    std::vector<wasm::ValType> params;
    std::vector<wasm::ValType> results;
    llvm::BasicBlock* endBlock = nullptr;      // where `end` and branches to a non-loop go
    llvm::BasicBlock* loopHeader = nullptr;    // Loop: branch target
    llvm::BasicBlock* elseBlock = nullptr;     // If: the false edge, until `else` is seen
    std::vector<llvm::PHINode*> endPhis;       // one per result
    std::vector<llvm::PHINode*> loopPhis;      // Loop: one per param
    std::vector<llvm::Value*> ifParams;        // If: the params, for the else arm
    size_t stackHeight = 0;                    // operand stack height below the params
    bool unreachable = false;                  // the rest of this block is dead code
    std::set<LocalValue> accessedAtStart;      // accessed_ when the block began
  };

  // ---- dispatch -----------------------------------------------------------
  void lowerInstr(const wasm::Instr& instr);
  void skipDeadInstr(const wasm::Instr& instr);
  bool lowerNumeric(const wasm::Instr& instr);     // lower_numeric.cpp
  bool lowerConversion(const wasm::Instr& instr);  // lower_numeric.cpp
  bool lowerMemory(const wasm::Instr& instr);      // lower_memory.cpp
  bool lowerTable(const wasm::Instr& instr);       // lower_table.cpp
  bool lowerVariable(const wasm::Instr& instr);    // lower_variable.cpp
  bool lowerSimd(const wasm::Instr& instr);        // lower_simd.cpp

  // ---- control (lower_control.cpp) -----------------------------------------
  void lowerBlock(const wasm::Instr& instr);
  void lowerLoop(const wasm::Instr& instr);
  void lowerIf(const wasm::Instr& instr);
  void lowerElse();
  void lowerEnd();
  void lowerBr(uint32_t depth);
  void lowerBrIf(uint32_t depth);
  void lowerBrTable(const wasm::Instr& instr);
  void lowerReturn();
  void lowerCall(uint32_t funcIndex);
  void lowerCallIndirect(uint32_t typeIndex, uint32_t tableIndex);
  void emitReturn(const std::vector<llvm::Value*>& values);
  void markUnreachable();
  void blockSignature(const wasm::BlockType& bt, std::vector<wasm::ValType>& params,
                      std::vector<wasm::ValType>& results) const;
  llvm::BasicBlock* newBlock(const char* name);
  std::vector<llvm::PHINode*> makePhis(llvm::BasicBlock* block, const std::vector<wasm::ValType>& types);
  // The values a branch to `target` carries, and where it goes.
  void addBranchIncoming(Control& target, llvm::BasicBlock* from);
  void addIncoming(std::vector<llvm::PHINode*>& phis, llvm::BasicBlock* from);
  llvm::BasicBlock* branchDest(Control& target) const;
  std::vector<llvm::Value*> emitCall(llvm::FunctionType* type, llvm::Value* callee, llvm::Value* calleeVmctx,
                                     const wasm::FuncType& sig, llvm::Function* direct);

  // ---- helpers -------------------------------------------------------------
  llvm::Value* pop();
  std::vector<llvm::Value*> popN(size_t n);
  void push(llvm::Value* v) { stack_.push_back(v); }
  llvm::Value* top(size_t depthFromTop = 0) const { return stack_[stack_.size() - 1 - depthFromTop]; }

  // Branches to a cold block that traps with `code` when `condition` holds.
  void trapIf(llvm::Value* condition, kiln_trap_code code);
  void trapAlways(kiln_trap_code code);
  // A load of `type` at base + byteOffset (naturally aligned), tagged with
  // its TBAA type, and marked invariant when the value never changes once
  // the instance is set up.
  llvm::LoadInst* loadAt(llvm::Type* type, llvm::Value* base, uint64_t byteOffset, llvm::MDNode* tbaa,
                         const char* name, bool invariant = false);
  llvm::Value* loadVmctxField(uint32_t offset, llvm::Type* type, const char* name);
  // The callee address and context of a kiln_func*, for an indirect call.
  std::pair<llvm::Value*, llvm::Value*> funcCodeAndVmctx(llvm::Value* func);
  llvm::Value* boolToI32(llvm::Value* b) { return b_.CreateZExt(b, mc_.i32Ty); }
  llvm::Value* zeroValue(wasm::ValType t);
  llvm::Value* quietNaN(llvm::Value* v);
  // Whether `operand`, seen as `type` (a float or float vector type), is a
  // constant that lets LLVM fold an fadd/fsub/fmul/fdiv to its other operand
  // or its negation (+-0 and +-1, in any lane): such a fold would skip the
  // quieting of a signalling NaN that wasm requires.
  static bool isFoldableIdentity(llvm::Value* operand, llvm::Type* type);
  llvm::Value* constF32(uint32_t bits);
  llvm::Value* constF64(uint64_t bits);
  llvm::Value* callIntrinsic(llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Type*> types,
                             llvm::ArrayRef<llvm::Value*> args);
  llvm::Value* linearAddress(llvm::Value* address, uint64_t offset, uint32_t accessSize);
  // A load of linear memory at `addr` (from linearAddress), kept exact in
  // guard-page mode (exact_traps.h): volatile at -O0, else folded into a
  // token.
  llvm::LoadInst* linearLoad(llvm::Type* type, llvm::Value* addr);
  // Guard-page mode above -O0: loads feed tokens, and kiln.keep consumes
  // them before returns and traps.
  bool usesTokens() const { return tokens_[0] != nullptr; }
  void keepAlive(llvm::Value* loaded);
  void emitKeep();
  llvm::Value* memorySizeBytes();
  void checkStack();
  // Marks a branch or call as this function's (kOriginMetadata), so that a
  // check inserted after inlining names the wasm function it came from.
  void tagOrigin(llvm::Instruction* inst);
  static bool endsRun(wasm::Opcode op);
  void chargeFuel(size_t firstInstr);
  bool mayTrapOrCall() const;

  ModuleContext& mc_;
  const wasm::Module& wasm_;
  uint32_t funcIndex_;
  const wasm::FuncType& type_;
  const wasm::FunctionBody& body_;
  llvm::Function* fn_;
  llvm::IRBuilder<> b_;
  llvm::Value* vmctx_ = nullptr;
  llvm::Value* memoryBase_ = nullptr;
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<wasm::ValType> localTypes_;
  std::vector<llvm::Value*> stack_;
  std::vector<Control> controls_;
  std::array<llvm::BasicBlock*, KILN_TRAP_COUNT_> trapBlocks_{};
  std::array<llvm::AllocaInst*, 3> tokens_{};  // 32, 64 and 128 bits (exact_traps.h)
  uint32_t deadDepth_ = 0;  // blocks opened inside dead code
  llvm::BasicBlock* stackCheckedIn_ = nullptr;  // checkStack: the block of the last check
  llvm::MDNode* originTag_ = nullptr;  // tagOrigin's metadata

  // Addresses known to lie at least 64 KiB below 2^32 (see rt_memory.h):
  // local values that were used as a memory address by an access that
  // dominates the current point (and so did not trap). `x + c` for such an
  // x and a constant c <= 64 KiB cannot wrap, and gets `nuw`, which lets
  // SCEV see pointer induction variables as affine and vectorize loops.
  std::vector<uint32_t> localVersion_;
  uint32_t nextVersion_ = 0;
  std::unordered_map<llvm::Value*, LocalValue> valueSource_;  // i32 values read from a local
  std::set<LocalValue> accessed_;
  // The last value stored to each local and the block of that store.
  struct StoredLocal {
    llvm::Value* value = nullptr;
    llvm::BasicBlock* block = nullptr;
  };
  std::vector<StoredLocal> lastStore_;
  void noteAccess(llvm::Value* address);
  bool provenInBounds(llvm::Value* address) const;
  void assignLocal(uint32_t index) { localVersion_[index] = ++nextVersion_; }
};

}  // namespace kiln::codegen
