// Development entry point for the spec runner (the same code as `kiln wast`).
#include <cstdio>
#include <cstring>
#include <string>

#include "spec-tests/wast_runner.h"

int main(int argc, char** argv) {
  kiln::spec::RunnerOptions options;
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "-O", 2) == 0) {
      options.codegen.optLevel = argv[i][2] - '0';
      continue;
    }
    if (std::strcmp(argv[i], "-v") == 0) {
      options.verbose = true;
      continue;
    }
    kiln::spec::FileResult r = kiln::spec::runWastFile(argv[i], options);
    size_t shown = 0;
    for (const std::string& f : r.failures) {
      if (!options.verbose && ++shown > 10) break;
      std::printf("  FAIL %s\n", f.c_str());
    }
    std::printf("%s: %d passed, %d failed, %d skipped (%.2fs)\n", r.file.c_str(), r.passed, r.failed, r.skipped,
                r.seconds);
    failed += r.failed;
  }
  return failed ? 1 : 0;
}
