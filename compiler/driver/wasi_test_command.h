// `kiln wasi-test DIR`: runs the WASI test suite (WebAssembly/wasi-testsuite,
// as copied to ../shared/wasi-testsuite; its PROVENANCE.md describes the
// format) through `kiln run`, one test at a time.
#pragma once

#include "driver/options.h"

namespace kiln::driver {

// Prints PASS/FAIL per test and "N passed, N failed"; returns 0 when every
// test passed, 1 otherwise.
int wasiTestCommand(const Options& options);

}  // namespace kiln::driver
