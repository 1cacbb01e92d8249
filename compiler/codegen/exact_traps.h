// Exact traps in guard-page mode: an out-of-bounds load traps even when its
// value ends up unused, and before any trap that follows it in program
// order, at every optimisation level.
//
// In guard-page mode a load traps by faulting, which LLVM does not model: to
// LLVM a load has no effect but its value. So it deletes a load whose value
// becomes unused (dropped, stored to a dead local, the unselected operand of
// a select, folded away), and it moves a load past the branch to an
// explicit trap (a division by zero, a float-to-int conversion) into the
// block that uses its value, so that the other trap is reported first.
//
// The translator makes the fault visible as data flow instead. Every
// linear-memory load's value is added to a *token* (one per width: 32, 64
// and 128 bits, narrow loads as the i32 wasm makes of them; kept in allocas
// that SROA turns into SSA values), and the tokens are consumed by
// `kiln.keep(tokens...)`, a call with an effect on memory nothing else can
// touch, placed before every return and in every trap block. A load is
// therefore always used, so never deleted; and its token is needed on the
// path to a later trap and on the path around it, so it cannot sink past
// the branch. LLVM still
// optimises everything else: redundant loads are merged (the surviving one
// accesses the same address first), loop-invariant loads are hoisted when
// they provably execute, and a loop whose loads feed a token is vectorized
// with the token as a sum reduction.
//
// This pass runs after the optimisation pipeline and removes the scaffolding:
// a load that is used only by tokens (one the program really does not need)
// becomes volatile, so that it stays where it is and the code generator
// keeps it; then the `kiln.keep` calls go, and LLVM's ADCE deletes every
// computation that fed only them. The emitted code carries no trace of the
// tokens.
//
// A load that provably executes may still be hoisted (LICM moves a
// loop-invariant load that every iteration reaches into the preheader): in
// LLVM's model that is no reordering, since a load has no effect, but a load
// that faults then traps before the stores that came before it in the
// first iteration (fuzz seed 106006). HoistBarrierPass, at the peephole
// points of the pipeline, puts `kiln.stay()` before every loop-invariant
// linear-memory load that a store of the same iteration may precede: a call
// that is not known to return, so that LLVM no longer counts on the load
// executing when the loop is entered (nothing else about it changes: it
// touches no memory LLVM can see). ExactTrapsPass deletes those calls too.
//
// At -O0 nothing optimises loads away before the code generator, which
// deletes unused ones: there every linear-memory load is volatile instead.
#pragma once

#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>

namespace kiln::codegen {

// The token sink, declared in `module` on first use, and whether an
// instruction is a call of it.
llvm::Function* declareKeep(llvm::Module& module);
bool isKeep(const llvm::Instruction& inst);

// Whether a load or store accesses linear memory (its TBAA type is the
// translator's kLinearMemoryTbaaName; one whose tag was lost counts).
bool accessesLinearMemory(const llvm::Instruction& access);

class HoistBarrierPass : public llvm::PassInfoMixin<HoistBarrierPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
};

class ExactTrapsPass : public llvm::PassInfoMixin<ExactTrapsPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
  static bool isRequired() { return true; }  // also at -O0
};

}  // namespace kiln::codegen
