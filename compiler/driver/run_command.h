// `kiln run`: compile (cached) to a shared object, load it into this process,
// and run it as a WASI command or call one export (--invoke).
#pragma once

#include "driver/options.h"
#include "kiln/abi.h"

namespace kiln::driver {

// Returns the program's exit status (or kiln's, on errors it throws).
int runCommand(const Options& options);

// The module of options.input in this process: a shared object from `kiln
// compile --emit=shared` as it is, a .wasm compiled through the cache.
// Throws DriverError. The code stays mapped for the life of the process.
const kiln_module_desc* loadModule(const Options& options);

// What run and serve share: the guest's environment (--inherit-env, --env),
// the store limits and timeout, and a check that every --dir exists.
std::vector<std::string> guestEnvironment(const Options& options);
RunOptions runOptions(const Options& options);
void checkGrantedDirectories(const Options& options);

}  // namespace kiln::driver
