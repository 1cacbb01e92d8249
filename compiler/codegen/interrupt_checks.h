// Epoch checks (KILN_FLAG_EPOCH_CHECKS): compiled code stops (traps
// "interrupted") once its store's deadline has passed on the epoch clock or
// another thread has interrupted it. The runtime then sets the store's
// interrupt word (kiln_limits::interrupt) and raises its stack limit out of
// reach, which gives two kinds of check:
//
// - Calls: every call is preceded by a stack check (function_translator.cpp,
//   checkStack), which now fails; the runtime reports an interrupt when the
//   word is set. Calls need nothing more, so recursion without loops (2^60
//   calls of a depth-60 tree) is caught at no cost.
// - Loops: this pass, after LLVM's whole pipeline, puts a check at the target
//   of every back edge of a depth-first search of the final control-flow
//   graph (every cycle, reducible or not, contains one), unless the loop
//   runs a stack check on every iteration (it calls). The check counts
//   down a function-wide counter kept in a register and reads the interrupt
//   word only when it reaches zero (every 1024 iterations), so a loop pays a
//   decrement and a branch per iteration, and no memory access.
// - Short loops: an innermost loop whose trip count has a constant bound of
//   at most 65536 (and at most 2^22 instructions in all) is charged its
//   bound at once, in its preheader, and runs without a check (a vector
//   loop over a fixed-size row, a block of a hash).
//
// Between two checks a thread runs no back edge outside short loops, so it
// runs through the blocks of one function once each, plus calls, which check
// on their own, and short loops; with the countdown, at most 1024 such
// passes, counting each iteration of a short loop as one. Inserting checks
// before the vectorizer would put an atomic load into every loop, which
// LLVM's loop vectorizer refuses; after it, a vector loop pays per vector
// iteration.
#pragma once

#include <llvm/IR/PassManager.h>

namespace kiln::codegen {

class InterruptCheckPass : public llvm::PassInfoMixin<InterruptCheckPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
  static bool isRequired() { return true; }  // also at -O0
};

}  // namespace kiln::codegen
