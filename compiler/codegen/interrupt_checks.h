// Epoch checks (KILN_FLAG_EPOCH_CHECKS): compiled code tests its store's
// interrupt word, which the runtime sets when the store's deadline passes on
// the epoch clock or another thread interrupts it, and traps (interrupted),
// so that a runaway guest can be stopped.
//
// The checks are inserted after LLVM's optimisation pipeline, into the code
// as it will be emitted: at the target of every back edge of the final
// control-flow graph (every cycle has one, whatever the optimiser made of
// the wasm loops), and before the wasm calls of blocks that lie on no
// cycle. Inserting them earlier would put an atomic load into every loop,
// and LLVM's loop vectorizer refuses loops with atomic loads; after the
// vectorizer, a vector loop pays one check per vector iteration.
//
// Why that bounds the time between two checks: a path without a check
// contains no back edge, so it is a path through the blocks of one function
// in topological order, plus the calls made along it; a called function runs
// its own checks, and one that calls nothing and loops nowhere is a straight
// path too. See docs/architecture.md.
#pragma once

#include <llvm/IR/PassManager.h>

namespace kiln::codegen {

class InterruptCheckPass : public llvm::PassInfoMixin<InterruptCheckPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
  static bool isRequired() { return true; }  // also at -O0
};

}  // namespace kiln::codegen
