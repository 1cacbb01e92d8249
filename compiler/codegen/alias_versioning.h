// A function pass that runs just before LLVM's loop vectorizer: it versions
// innermost loops over linear memory on the alias checks that can pass, so
// that the vectorizer sees the fast copy as free of aliasing.
#pragma once

#include <llvm/IR/PassManager.h>

namespace kiln::codegen {

// Every wasm access addresses the same object (linear memory), so LLVM's
// LoopAccessAnalysis needs run-time overlap checks between all of a loop's
// access streams. When one pair has an unknown distance (two arrays), it
// also checks pairs it could have proved independent: a loop that clang's
// wasm32 backend unrolled by two touches c[j] and c[j+1] with stride 2, and
// the check "[c, c+16n) overlaps [c+8, c+16n+8)" always fails, so the
// vector loop never runs (bench/FINDINGS.md, matmul).
//
// This pass asks LoopAccessAnalysis for the checks, drops those between
// streams that share a stride and sit at a constant distance that never
// lands on the other's bytes, versions the loop on the rest (LLVM's
// LoopVersioning), and marks the checked streams noalias in the fast copy.
// The vectorizer then needs no checks there, and proves the interleaved
// streams independent by itself.
class AliasVersioningPass : public llvm::PassInfoMixin<AliasVersioningPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
};

}  // namespace kiln::codegen
