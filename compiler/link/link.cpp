#include "link/link.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "codegen/llvm_options.h"
#include "kiln_toolchain_files.h"
#include "lld/Common/Driver.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

LLD_HAS_DRIVER(elf)

namespace kiln::link {
namespace {

// lld keeps global state while it runs: one link at a time per process.
std::mutex gLldMutex;
// Set when lld reported that it cannot safely run again in this process
// (it crashed, or its cleanup failed).
bool gLldUnusable = false;

bool fileExists(const std::string& path) { return !path.empty() && ::access(path.c_str(), F_OK) == 0; }

// Runs lld (ELF flavour) with `args` (without argv[0]). Returns its exit code;
// its diagnostics (stdout and stderr) are appended to *diagnostics.
int runLld(const std::vector<std::string>& args, std::string* diagnostics) {
  std::lock_guard<std::mutex> lock(gLldMutex);
  if (gLldUnusable) {
    *diagnostics += "the in-process linker failed earlier and cannot run again in this process\n";
    return 1;
  }
  std::vector<const char*> argv;
  argv.reserve(args.size() + 1);
  argv.push_back("ld.lld");
  for (const std::string& arg : args) argv.push_back(arg.c_str());

  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  // Without crash recovery, lld's fatal errors (a malformed input, for one)
  // end the whole process with _exit; with it, they return here. Enable()
  // installs handlers for crash signals, so it is on only while lld runs
  // (the runtime's own fault handler must not be displaced for longer).
  llvm::CrashRecoveryContext::Enable();
  lld::Result result{};
  {
    // lld resets LLVM's options: no compilation may run meanwhile, and
    // Kiln's are set again before the next (codegen/llvm_options.h).
    std::unique_lock options(codegen::llvmOptionsMutex());
    result = lld::lldMain(argv, outStream, errStream, {{lld::Gnu, &lld::elf::link}});
    codegen::applyLlvmOptions();
  }
  llvm::CrashRecoveryContext::Disable();
  if (!result.canRunAgain) gLldUnusable = true;
  outStream.flush();
  errStream.flush();
  *diagnostics += out;
  *diagnostics += err;
  return result.retCode;
}

// The first line of lld's output that says "error:", without lld's own
// "ld.lld: error: " prefix, for a one-line message; else the first line.
std::string firstError(const std::string& diagnostics) {
  llvm::StringRef rest(diagnostics);
  llvm::StringRef first;
  while (!rest.empty()) {
    auto [line, tail] = rest.split('\n');
    rest = tail;
    line = line.trim();
    if (line.empty()) continue;
    if (first.empty()) first = line;
    size_t pos = line.find("error: ");
    if (pos != llvm::StringRef::npos) return line.substr(pos + 7).str();
  }
  if (first.consume_front("ld.lld: ")) return first.str();
  return first.empty() ? std::string("the linker failed") : first.str();
}

// Links with `args` (everything but -o) into `output`, through a temporary
// file beside it that is renamed into place only on success.
bool linkTo(std::vector<std::string> args, const std::string& output, std::string* error) {
  llvm::SmallString<256> model(output);
  model += ".tmp-%%%%%%";
  llvm::Expected<llvm::sys::fs::TempFile> temp = llvm::sys::fs::TempFile::create(model);
  if (!temp) {
    std::string message = llvm::toString(temp.takeError());
    if (error) *error = "cannot write '" + output + "': " + message;
    return false;
  }
  args.push_back("-o");
  args.push_back(temp->TmpName);

  std::string diagnostics;
  int status = runLld(args, &diagnostics);
  if (status != 0) {
    llvm::consumeError(temp->discard());
    if (error) *error = "link failed: " + firstError(diagnostics);
    return false;
  }
  if (llvm::Error keepError = temp->keep(output)) {
    std::string message = llvm::toString(std::move(keepError));
    if (error) *error = "cannot write '" + output + "': " + message;
    return false;
  }
  return true;
}

void addLibraryDirs(std::vector<std::string>& args) {
  for (const char* const* dir = toolchain::kLibraryDirs; *dir; ++dir) args.push_back(std::string("-L") + *dir);
}

}  // namespace

bool linkExecutable(const std::vector<std::string>& objects, const std::string& output,
                    const LinkOptions& options, std::string* error) {
  auto fail = [&](std::string message) {
    if (error) *error = std::move(message);
    return false;
  };
  if (options.staticExecutable ? !KILN_TC_HAVE_STATIC : !KILN_TC_HAVE_DYNAMIC)
    return fail(std::string("this Kiln was configured without the C runtime files needed for ") +
                (options.staticExecutable ? "static" : "dynamically linked") +
                " executables (the C++ compiler did not report them; install libc6-dev and "
                "libstdc++-dev and reconfigure)");
  if (options.runtimeDir.empty())
    return fail("cannot find the Kiln runtime library (libkiln-rt.a); set KILN_RUNTIME_DIR to the directory "
                "that holds it");
  const std::string runtimeMain = options.runtimeDir + "/libkiln-rt-main.a";
  const std::string runtime = options.runtimeDir + "/libkiln-rt.a";
  for (const std::string& lib : {runtimeMain, runtime})
    if (!fileExists(lib))
      return fail("cannot find the Kiln runtime library '" + lib + "'; set KILN_RUNTIME_DIR to the directory " +
                  "that holds libkiln-rt.a and libkiln-rt-main.a");

  std::vector<std::string> args = {"--hash-style=gnu", "--build-id", "--eh-frame-hdr", "-m", toolchain::kEmulation};
  if (options.staticExecutable) {
    args.insert(args.end(), {"-static", toolchain::kCrt1, toolchain::kCrti, toolchain::kCrtBeginT});
  } else {
    args.insert(args.end(),
                {"-pie", "-dynamic-linker", toolchain::kDynamicLinker, toolchain::kScrt1, toolchain::kCrti,
                 toolchain::kCrtBeginS});
  }
  addLibraryDirs(args);
  args.insert(args.end(), objects.begin(), objects.end());
  // libstdc++ and the unwinder (libgcc_eh, as gcc -static-libgcc does) go
  // in statically even into dynamic executables, and libm only when used:
  // every shared library the loader maps and relocates adds 0.1 ms or so at
  // startup, as much as a whole hello-world run.
  args.insert(args.end(), {runtimeMain, runtime, "--push-state", "-Bstatic", "-lstdc++", "--pop-state",
                           "--push-state", "--as-needed", "-lm", "-lpthread", "-ldl", "--pop-state"});
  args.insert(args.end(), {"--start-group", "-lgcc", "-lgcc_eh", "-lc", "--end-group",
                           options.staticExecutable ? toolchain::kCrtEnd : toolchain::kCrtEndS, toolchain::kCrtn});
  return linkTo(std::move(args), output, error);
}

bool linkShared(const std::vector<std::string>& objects, const std::string& output, std::string* error) {
  // No -z defs: the kiln_rt_* entry points (and the few libc/libm functions
  // LLVM may call) resolve against the process that loads the object.
  std::vector<std::string> args = {"--hash-style=gnu", "--build-id", "--eh-frame-hdr", "-m",
                                   toolchain::kEmulation[0] ? toolchain::kEmulation : "elf_x86_64", "-shared"};
  args.insert(args.end(), objects.begin(), objects.end());
  return linkTo(std::move(args), output, error);
}

namespace {

bool holdsRuntime(const std::string& dir) { return fileExists(dir + "/libkiln-rt.a"); }

std::string selfDirectory() {
  llvm::SmallString<256> exe;
  char buffer[4096];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "";
  exe.assign(buffer, buffer + n);
  llvm::sys::path::remove_filename(exe);
  return exe.str().str();
}

}  // namespace

std::string findRuntimeDir() {
  if (const char* fromEnv = std::getenv("KILN_RUNTIME_DIR"); fromEnv && *fromEnv)
    return holdsRuntime(fromEnv) ? std::string(fromEnv) : std::string();

  std::string self = selfDirectory();
  if (!self.empty()) {
    llvm::SmallString<256> installed(self);
    llvm::sys::path::append(installed, "..", KILN_RUNTIME_INSTALL_DIR);
    llvm::SmallString<256> normal;
    if (!llvm::sys::fs::real_path(installed, normal) && holdsRuntime(normal.str().str())) return normal.str().str();
  }
#ifdef KILN_BUILD_RUNTIME_DIR
  if (holdsRuntime(KILN_BUILD_RUNTIME_DIR)) return KILN_BUILD_RUNTIME_DIR;
#endif
  return "";
}

}  // namespace kiln::link
