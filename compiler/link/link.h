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

// Links `objects` with the runtime into an executable at `output` (written
// to a temporary file beside it, renamed into place on success). On failure
// returns false with one line in *error ("link failed: <lld's first error>",
// "cannot write 'x': ...", or what is missing) and leaves `output` as it was.
// lld runs in-process, one link at a time.
bool linkExecutable(const std::vector<std::string>& objects, const std::string& output,
                    const LinkOptions& options, std::string* error);

// Links `objects` into a shared object at `output` (no runtime inside: its
// kiln_rt_* references resolve against the process that loads it). Errors
// and output handling as for linkExecutable.
bool linkShared(const std::vector<std::string>& objects, const std::string& output, std::string* error);

// Where the runtime libraries are: $KILN_RUNTIME_DIR if set (and only it:
// "" when it does not hold libkiln-rt.a), else beside the installed kiln
// (<dir of /proc/self/exe>/../lib/kiln), else the build tree's runtime/.
// Returns "" when none holds libkiln-rt.a.
std::string findRuntimeDir();

}  // namespace kiln::link
