// `kiln wasi-test DIR`. For each NAME.wasm in DIR (its spec: NAME.json
// beside it, or the defaults), as the suite's runner does:
//   - `root`: a directory relative to DIR, preopened as "/" (wasmtime's
//     --dir HOST::/). The tests write scratch files into it, and the suite's
//     copy is read-only, so each test gets a fresh private copy; files named
//     *.cleanup are removed before and after the run (symlinks are left).
//   - `args`: argv after the program name; `env`: exactly these variables,
//     nothing inherited.
//   - `exit_code` (default 0) must match; `stdout`/`stderr`, when given, must
//     be a prefix of the output.
// Each test runs as a child `kiln run` (this same executable), with stdin a
// pipe that gets nothing, so a crash costs one test, not the run.
#include "driver/wasi_test_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "driver/error.h"
#include "driver/files.h"
#include "llvm/Support/JSON.h"

namespace kiln::driver {
namespace {

namespace fs = std::filesystem;

struct TestSpec {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::optional<std::string> root;
  int exitCode = 0;
  std::optional<std::string> stdoutPrefix;
  std::optional<std::string> stderrPrefix;
};

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// NAME.json, or the defaults when there is none. nullopt with *error set
// when the spec is malformed or in a format this runner does not handle.
std::optional<TestSpec> readSpec(const fs::path& json, std::string* error) {
  TestSpec spec;
  if (!fs::exists(json)) return spec;
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(readText(json));
  if (!parsed) {
    *error = json.filename().string() + ": " + llvm::toString(parsed.takeError());
    return std::nullopt;
  }
  const llvm::json::Object* object = parsed->getAsObject();
  if (!object) {
    *error = json.filename().string() + ": not a JSON object";
    return std::nullopt;
  }
  auto bad = [&](const std::string& key, const char* what) {
    *error = json.filename().string() + ": '" + key + "' must be " + what;
    return std::nullopt;
  };
  for (const auto& [keyRef, value] : *object) {
    const std::string key = keyRef.str();
    if (key == "args") {
      const llvm::json::Array* array = value.getAsArray();
      if (!array) return bad(key, "a list of strings");
      for (const llvm::json::Value& arg : *array) {
        std::optional<llvm::StringRef> s = arg.getAsString();
        if (!s) return bad(key, "a list of strings");
        spec.args.push_back(s->str());
      }
    } else if (key == "env") {
      const llvm::json::Object* env = value.getAsObject();
      if (!env) return bad(key, "an object of strings");
      for (const auto& [name, v] : *env) {
        std::optional<llvm::StringRef> s = v.getAsString();
        if (!s || name.str().empty() || name.str().find('=') != std::string::npos)
          return bad(key, "an object of strings (names without '=')");
        spec.env[name.str()] = s->str();
      }
    } else if (key == "root") {
      if (value.kind() == llvm::json::Value::Null) continue;
      std::optional<llvm::StringRef> s = value.getAsString();
      if (!s) return bad(key, "a string or null");
      spec.root = s->str();
    } else if (key == "exit_code") {
      std::optional<int64_t> code = value.getAsInteger();
      if (!code) return bad(key, "an integer");
      spec.exitCode = static_cast<int>(*code);
    } else if (key == "stdout" || key == "stderr") {
      std::optional<llvm::StringRef> s = value.getAsString();
      if (!s) return bad(key, "a string");
      (key == "stdout" ? spec.stdoutPrefix : spec.stderrPrefix) = s->str();
    } else if (key == "operations" || key == "proposals") {
      *error = json.filename().string() + ": the '" + key +
               "' spec format (sockets, HTTP) is not supported by this runner";
      return std::nullopt;
    } else {
      // As the reference runner: a warning, not a failure.
      std::fprintf(stderr, "kiln: warning: %s: unknown key '%s' ignored\n", json.filename().c_str(), key.c_str());
    }
  }
  return spec;
}

// Copies a directory tree (symlinks as symlinks), leaving everything in the
// copy writable by its owner.
void copyTree(const fs::path& from, const fs::path& to) {
  fs::create_directory(to);
  for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
    const fs::path target = to / entry.path().filename();
    if (entry.is_symlink()) {
      fs::copy_symlink(entry.path(), target);
    } else if (entry.is_directory()) {
      copyTree(entry.path(), target);
    } else {
      fs::copy_file(entry.path(), target);
      fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
    }
  }
  fs::permissions(to, fs::perms::owner_all, fs::perm_options::add);
}

// Removes everything named *.cleanup under `root` (not following symlinks;
// a symlink by that name stays).
void removeCleanupFiles(const fs::path& root) {
  std::vector<fs::path> doomed;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= 8 && name.compare(name.size() - 8, 8, ".cleanup") == 0 && !it->is_symlink()) {
      doomed.push_back(it->path());
      if (it->is_directory()) it.disable_recursion_pending();
    }
  }
  for (const fs::path& path : doomed) fs::remove_all(path, ec);
}

struct ChildResult {
  bool timedOut = false;
  int status = 0;  // waitpid status
  std::string out, err;
};

ChildResult runChild(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& outFile,
                     const fs::path& errFile, int timeoutSeconds) {
  int stdinPipe[2];
  if (::pipe2(stdinPipe, O_CLOEXEC) != 0) throw DriverError(std::string("pipe: ") + std::strerror(errno));
  int out = ::open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0 || err < 0) throw DriverError("cannot create output files in " + cwd.string());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) throw DriverError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(stdinPipe[0], 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv("/proc/self/exe", args.data());
    ::_exit(127);
  }
  ::close(stdinPipe[0]);
  ::close(stdinPipe[1]);  // the test reads nothing: end of input
  ::close(out);
  ::close(err);

  ChildResult result;
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    pid_t done = ::waitpid(pid, &result.status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw DriverError(std::string("waitpid: ") + std::strerror(errno));
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= timeoutSeconds) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &result.status, 0);
      result.timedOut = true;
      break;
    }
    timespec pause{0, 20'000'000};
    ::nanosleep(&pause, nullptr);
  }
  result.out = readText(outFile);
  result.err = readText(errFile);
  return result;
}

std::string describeStatus(const ChildResult& r) {
  if (r.timedOut) return "timed out";
  if (WIFEXITED(r.status)) return "exit status " + std::to_string(WEXITSTATUS(r.status));
  if (WIFSIGNALED(r.status)) return std::string("killed by signal ") + std::to_string(WTERMSIG(r.status));
  return "unknown status";
}

// The last few lines of a test's stderr, indented, for a failure report.
std::string tail(const std::string& text, size_t lines) {
  std::vector<std::string> all;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    | " + all[i] + "\n";
  return out;
}

}  // namespace

int wasiTestCommand(const Options& options) {
  const fs::path dir = options.wasiTestDir;
  if (!fs::is_directory(dir)) throw DriverError("'" + options.wasiTestDir + "' is not a directory");
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".wasm") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  for (const std::string& wanted : options.wasiTestNames)
    if (std::find(names.begin(), names.end(), wanted) == names.end())
      throw usageError("no test '" + wanted + "' (" + wanted + ".wasm) in " + options.wasiTestDir);
  if (!options.wasiTestNames.empty()) names = options.wasiTestNames;
  if (names.empty()) throw DriverError("no .wasm tests in " + options.wasiTestDir);

  std::vector<std::string> codegenFlags = {"-O" + std::to_string(options.codegen.optLevel),
                                           "--cpu=" + options.codegen.cpu,
                                           std::string("--bounds-checks=") +
                                               (options.codegen.explicitBoundsChecks ? "explicit" : "guard")};
  int passed = 0, failed = 0;
  for (const std::string& name : names) {
    const fs::path wasm = fs::absolute(dir / (name + ".wasm"));
    std::string problem;
    std::optional<TestSpec> spec = readSpec(dir / (name + ".json"), &problem);
    ChildResult result;
    if (spec) {
      TempDir temp;
      const fs::path work = temp.path();
      std::vector<std::string> argv = {"kiln", "run", "--no-cache"};
      argv.insert(argv.end(), codegenFlags.begin(), codegenFlags.end());
      fs::path root;
      if (spec->root) {
        const fs::path source = dir / *spec->root;
        if (!fs::is_directory(source)) {
          problem = "root '" + *spec->root + "' is not a directory in " + dir.string();
        } else {
          root = work / "root";
          copyTree(source, root);
          removeCleanupFiles(root);
          argv.push_back("--dir");
          argv.push_back(root.string() + "::/");
        }
      }
      for (const auto& [key, value] : spec->env) {
        argv.push_back("--env");
        argv.push_back(key + "=" + value);
      }
      argv.push_back(wasm.string());
      argv.push_back("--");
      argv.insert(argv.end(), spec->args.begin(), spec->args.end());
      if (problem.empty()) {
        result = runChild(argv, work, work / "stdout", work / "stderr", options.wasiTestTimeout);
        if (!root.empty()) removeCleanupFiles(root);
        const bool exited = !result.timedOut && WIFEXITED(result.status);
        if (!exited || WEXITSTATUS(result.status) != (spec->exitCode & 0xff)) {
          problem = describeStatus(result) + ", expected exit status " + std::to_string(spec->exitCode);
        } else if (spec->stdoutPrefix && result.out.compare(0, spec->stdoutPrefix->size(), *spec->stdoutPrefix) != 0) {
          problem = "stdout does not start with the expected text";
        } else if (spec->stderrPrefix && result.err.compare(0, spec->stderrPrefix->size(), *spec->stderrPrefix) != 0) {
          problem = "stderr does not start with the expected text";
        }
      }
    }
    if (problem.empty()) {
      ++passed;
      std::printf("PASS  %s\n", name.c_str());
    } else {
      ++failed;
      std::printf("FAIL  %s: %s\n", name.c_str(), problem.c_str());
      if (!result.err.empty()) std::fputs(tail(result.err, options.verbose ? 1000 : 8).c_str(), stdout);
      if (options.verbose && !result.out.empty()) {
        std::printf("    stdout:\n");
        std::fputs(tail(result.out, 1000).c_str(), stdout);
      }
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace kiln::driver
