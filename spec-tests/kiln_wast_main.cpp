// Development entry point for the spec runner; users run the same code as
// `kiln wast`.
#include <cstring>
#include <string>
#include <vector>

#include "spec-tests/wast_command.h"

int main(int argc, char** argv) {
  kiln::spec::RunnerOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "-O", 2) == 0) {
      options.codegen.optLevel = argv[i][2] - '0';
    } else if (std::strcmp(argv[i], "-v") == 0) {
      options.verbose = true;
    } else {
      files.push_back(argv[i]);
    }
  }
  return kiln::spec::wastCommand(files, options);
}
