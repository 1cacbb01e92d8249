// Linking compiled modules with lld, in-process: executables (with the
// runtime and the C library) and shared objects (whose kiln_rt_* references
// resolve against the process that loads them).
#pragma once

#include <string>
#include <vector>

namespace kiln::link {

struct LinkOptions {
  std::string runtimeDir;       // holds libkiln-rt.a and libkiln-rt-main.a
  bool staticExecutable = false;  // fully static (crt1.o, libc.a): runs on any Linux of this arch
};

// Links `objects` with the runtime into an executable at `output`. On failure
// returns false with lld's diagnostics (or our own) in *error and leaves no
// file at `output`.
bool linkExecutable(const std::vector<std::string>& objects, const std::string& output,
                    const LinkOptions& options, std::string* error);

// Links `objects` into a shared object at `output` (no runtime inside).
bool linkShared(const std::vector<std::string>& objects, const std::string& output, std::string* error);

// Where the runtime libraries are: $KILN_RUNTIME_DIR if set, else beside the
// installed kiln (<prefix>/lib/kiln), else the build tree's runtime/.
// `argv0Path` is the running kiln's path (/proc/self/exe is used when empty).
// Returns "" when none holds libkiln-rt.a.
std::string findRuntimeDir();

}  // namespace kiln::link
