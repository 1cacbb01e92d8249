// A function pass that runs just before LLVM's loop vectorizer: it versions
// innermost loops over linear memory on the conditions that let their
// accesses be analysed as native code's are, and rewrites the fast copy
// accordingly.
#pragma once

#include <llvm/IR/PassManager.h>

namespace kiln::codegen {

// Two things keep a wasm loop from looking like the C loop it came from.
//
// Wrapping addresses. A wasm address is a 32-bit sum (`p + 4*i`) that wraps
// modulo 2^32, zero-extended to index the 64-bit reservation. LLVM cannot
// turn zext(p + 4*i) into zext(p) + 4*i, so every access keeps its own 32-bit
// add (a `lea` per access in the vectorized stencil, a third of its
// instructions), and SCEV sees no constant distance between neighbouring
// accesses. Where the loop's trip count is known, the pass checks once,
// before the loop, that no such address wraps over the whole run, and in the
// copy that runs then it replaces each zext by the 64-bit recurrence.
//
// Aliasing. Every wasm access addresses the same object (linear memory), so
// LoopAccessAnalysis needs run-time overlap checks between all of a loop's
// access streams. When one pair has an unknown distance (two arrays), it
// also checks pairs it could have proved independent: a loop that clang's
// wasm32 backend unrolled by two touches c[j] and c[j+1] with stride 2, and
// the check "[c, c+16n) overlaps [c+8, c+16n+8)" always fails, so the vector
// loop never runs (bench/FINDINGS.md, matmul). The pass drops the checks
// between streams that share a stride and sit at a constant distance that
// never lands on the other's bytes, checks the rest, and marks the checked
// streams noalias in the fast copy.
//
// Both conditions go into one LLVM LoopVersioning; the original loop runs
// when either fails, and is not vectorized (the vectorizer's own checks, a
// superset of these, would fail there too).
//
// Bounds, in guard-page mode. A vectorized loop loads the elements of
// several iterations before it stores any of them, and stores a vector at
// once, so a loop that runs off the end of memory would trap with the
// stores of its last iterations missing, where the scalar loop (and the
// spec) has made them. Such a loop is versioned on "every access of the
// whole run is in bounds" as well: one compare of the highest address
// against the memory's size at loop entry. The vectorized copy runs only
// then, and cannot fault; otherwise the scalar loop runs and traps exactly.
// A loop the vectorizer could take but whose accesses the pass cannot bound
// is kept from vectorizing.
class AccessVersioningPass : public llvm::PassInfoMixin<AccessVersioningPass> {
 public:
  explicit AccessVersioningPass(bool guardPages) : guardPages_(guardPages) {}
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);

 private:
  bool guardPages_;
};

}  // namespace kiln::codegen
