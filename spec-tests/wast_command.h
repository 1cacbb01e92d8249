// `kiln wast FILE.wast...`: runs spec scripts and prints one line per file
// and a closing `N passed, N failed, N skipped` line.
#pragma once

#include <string>
#include <vector>

#include "spec-tests/wast_runner.h"

namespace kiln::spec {

// Returns 0 when no command failed (listed expected failures aside), 1
// otherwise.
int wastCommand(const std::vector<std::string>& files, const RunnerOptions& options);

}  // namespace kiln::spec
