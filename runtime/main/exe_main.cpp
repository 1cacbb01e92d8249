// The main() of executables made by `kiln build`: run the linked-in module
// (its descriptor is the symbol kiln_module) as a WASI command with this
// process's arguments and environment.
#include <unistd.h>

#include "kiln/kiln.h"

extern "C" const kiln_module_desc kiln_module;

int main(int argc, char** argv) {
  kiln::WasiOptions options;
  options.args.assign(argv, argv + argc);
  for (char** e = environ; e && *e; ++e) options.env.emplace_back(*e);
  return kiln::runWasiCommand(&kiln_module, options);
}
