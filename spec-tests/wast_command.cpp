#include "spec-tests/wast_command.h"

#include <cstdio>

namespace kiln::spec {

int wastCommand(const std::vector<std::string>& files, const RunnerOptions& options) {
  int passed = 0, failed = 0, skipped = 0;
  for (const std::string& file : files) {
    FileResult r = runWastFile(file, options);
    size_t shown = 0;
    for (const std::string& f : r.failures) {
      if (!options.verbose && ++shown > 20) {
        std::printf("  ... %zu more failures (use --verbose)\n", r.failures.size() - 20);
        break;
      }
      std::printf("  FAIL %s\n", f.c_str());
    }
    std::printf("%s: %d passed, %d failed, %d skipped", r.file.c_str(), r.passed, r.failed, r.skipped);
    if (r.expectedFailures) std::printf(", %d expected failures", r.expectedFailures);
    std::printf(" (%.2fs)\n", r.seconds);
    for (const std::string& reason : r.skipReasons) std::printf("  skipped: %s\n", reason.c_str());
    std::fflush(stdout);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}

}  // namespace kiln::spec
