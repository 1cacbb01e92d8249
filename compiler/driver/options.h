// The kiln command line: what was asked for, parsed with CLI11.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/codegen.h"

namespace kiln::driver {

enum class Command { Compile, Build, Run, Wast };

// What `kiln compile --emit=` writes.
enum class OutputKind { Object, Assembly, LLVMIR, Shared };

struct Options {
  Command command = Command::Compile;
  std::string input;   // the .wasm file
  std::string output;  // -o; empty when not given
  OutputKind emit = OutputKind::Object;
  codegen::Options codegen;

  // build
  bool staticExecutable = false;

  // run
  std::vector<std::string> env;   // --env KEY=VALUE, in order
  bool inheritEnv = false;
  std::optional<std::string> invoke;
  bool noCache = false;
  std::vector<std::string> args;  // the guest's arguments (or --invoke's)

  // wast
  std::vector<std::string> wastFiles;
  std::string expectations;       // --expectations FILE
  bool verbose = false;
};

// "kiln 0.1.0 (LLVM 19.1.7, ABI 1)"
std::string versionString();

// Parses the command line into *options. Returns an exit status when kiln
// should stop now (after --help, --version, `kiln help`, or a usage error,
// which it has printed), or nullopt to go on with the command.
std::optional<int> parseCommandLine(int argc, char** argv, Options* options);

}  // namespace kiln::driver
