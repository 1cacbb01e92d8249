// kiln's main: parse the command line, run the command, and turn every
// failure into one "kiln: error: ..." line and an exit status.
#include "driver/driver.h"

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "driver/error.h"
#include "driver/options.h"
#include "driver/pipeline.h"
#include "driver/run_command.h"
#include "driver/serve_command.h"
#include "driver/wasi_test_command.h"
#include "spec-tests/wast_command.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Signals.h"

namespace kiln::driver {
namespace {

// LLVM's fatal errors (report_fatal_error) would print "LLVM ERROR: ..." and
// exit; say it our way. LLVM then removes the temporary files registered for
// removal and exits with status 1.
void onLLVMFatalError(void*, const char* reason, bool) {
  std::string message = std::string("LLVM: ") + reason;
  printError(message);
  llvm::sys::RunInterruptHandlers();
  std::fflush(stdout);
  ::_exit(kExitFailure);
}

int wastCommand(const Options& options) {
  spec::RunnerOptions runner;
  runner.codegen = options.codegen;
  runner.verbose = options.verbose;
  if (!options.expectations.empty()) runner.expectedFailures = spec::readExpectations(options.expectations);
  return spec::wastCommand(options.wastFiles, runner);
}

}  // namespace

int main(int argc, char** argv) {
  llvm::install_fatal_error_handler(onLLVMFatalError);
  Options options;
  if (std::optional<int> status = parseCommandLine(argc, argv, &options)) return *status;
  try {
    switch (options.command) {
      case Command::Compile: return compileCommand(options);
      case Command::Build: return buildCommand(options);
      case Command::Run: return runCommand(options);
      case Command::Serve: return serveCommand(options);
      case Command::Wast: return wastCommand(options);
      case Command::WasiTest: return wasiTestCommand(options);
    }
  } catch (const DriverError& e) {
    printError(e.what());
    return e.exitStatus();
  } catch (const std::bad_alloc&) {
    printError("out of memory");
    return kExitFailure;
  } catch (const std::exception& e) {
    printError(e.what());
    return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace kiln::driver
