// See llvm_options.h.
#include "codegen/llvm_options.h"

#include <llvm/Support/CommandLine.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace kiln::codegen {

std::shared_mutex& llvmOptionsMutex() {
  static std::shared_mutex mutex;
  return mutex;
}

void applyLlvmOptions() {
  // IndVarSimplify widens wasm's i32 induction variables to i64; in loops
  // that count an i32 up to 0 (as clang's wasm32 output does) the loop
  // vectorizer then computes a trip count that is right only modulo 2^30,
  // its no-wrap runtime check folds to "fail", and the vector loop is dead
  // code (bench/FINDINGS.md, section 2: stencil 3.6x -> 1.1x native without
  // widening; no other benchmark moved beyond noise).
  //
  // Loop idiom recognition would turn a loop of stores or copies into a
  // call of libc's memset or memcpy: a loop that runs off the end of linear
  // memory would then fault inside libc, which is no trap but a crash of the
  // host (guard pages), and it would leave other bytes written than the loop
  // does before it traps. The loop vectorizer handles such loops instead.
  //
  // LICM's scalar promotion keeps a location that a loop stores to in a
  // register and stores it once after the loop. In guard-page mode a load
  // in the loop may fault, and the stores of the iterations before it were
  // then never made (LLVM sees no way out of the loop but its exits).
  std::vector<const char*> args = {"kiln", "-indvars-widen-indvars=false", "-disable-loop-idiom-memset",
                                   "-disable-loop-idiom-memcpy", "-disable-licm-promotion"};
  // For experiments only (bench/FINDINGS.md): extra LLVM options, split at
  // spaces. Not part of the cache key; `kiln build` does not use the cache.
  static const std::vector<std::string> extra = [] {
    std::vector<std::string> words;
    if (const char* env = std::getenv("KILN_LLVM_ARGS")) {
      std::istringstream in(env);
      for (std::string word; in >> word;) words.push_back(word);
    }
    return words;
  }();
  for (const std::string& word : extra) args.push_back(word.c_str());
  llvm::cl::ResetAllOptionOccurrences();
  llvm::cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(), "", nullptr, nullptr,
                                    /*LongOptionsUseDoubleDash=*/false);
}

}  // namespace kiln::codegen
