// The kiln command line: what was asked for, parsed with CLI11.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "kiln/kiln.hpp"

namespace kiln::driver {

enum class Command { Compile, Build, Run, Serve, Wast, WasiTest };

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

  // run, build: the guest's capabilities (docs/wasi.md)
  std::vector<std::string> env;   // --env KEY=VALUE, in order
  std::vector<WasiPreopen> dirs;  // --dir HOST[::GUEST] in order, then --dir-ro
  // build: executables pass their whole environment to the guest unless
  // built with --no-inherit-env
  bool noInheritEnv = false;

  // run: limits (docs/embedding.md, StoreLimits)
  std::optional<std::chrono::nanoseconds> timeout;  // --timeout
  std::optional<uint64_t> fuel;                     // --fuel N (compiles with fuel metering)
  uint64_t maxMemoryBytes = StoreLimits::kUnlimited; // --max-memory
  uint64_t maxStackBytes = 0;                       // --max-stack (0: the thread's)

  // run
  bool inheritEnv = false;
  std::vector<std::string> allowNet;  // --allow-net HOST:PORT, in order (Dagger http://)
  std::optional<std::string> invoke;
  bool noCache = false;
  std::vector<std::string> args;  // the guest's arguments (or --invoke's)

  // serve (and run's limits, env, dirs, cache above)
  std::string listen = "127.0.0.1:8080";  // --listen HOST:PORT
  unsigned instances = 1000;              // --instances: connections served at once
  uint64_t maxRequestBytes = uint64_t{16} << 20;   // --max-request
  uint64_t maxResponseBytes = uint64_t{64} << 20;  // --max-response
  bool quiet = false;                              // --quiet: no access log

  // wast
  std::vector<std::string> wastFiles;
  std::string expectations;       // --expectations FILE
  bool verbose = false;

  // wasi-test
  std::string wasiTestDir;
  std::vector<std::string> wasiTestNames;  // only these tests (default: all)
  int wasiTestTimeout = 300;               // seconds per test
};

// "HOST[::GUEST]" as a preopen; nullopt (with *error set) when malformed.
std::optional<WasiPreopen> parseDirGrant(const std::string& text, bool readOnly, std::string* error);

// "64MiB", "512KiB", "1G", "4096": a size in bytes (K, M, G are powers of
// 1024; KiB, MiB, GiB too); nullopt (with *error) when malformed.
std::optional<uint64_t> parseByteSize(const std::string& text, std::string* error);
// "2s", "500ms", "1.5s", "2m", "100us": a duration; a number alone is
// seconds. nullopt (with *error) when malformed, zero or negative.
std::optional<std::chrono::nanoseconds> parseDuration(const std::string& text, std::string* error);

// "kiln 0.1.0 (LLVM 19.1.7, ABI 1)"
std::string versionString();

// Parses the command line into *options. Returns an exit status when kiln
// should stop now (after --help, --version, `kiln help`, or a usage error,
// which it has printed), or nullopt to go on with the command.
std::optional<int> parseCommandLine(int argc, char** argv, Options* options);

}  // namespace kiln::driver
