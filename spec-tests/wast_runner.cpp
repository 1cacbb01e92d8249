#include "spec-tests/wast_runner.h"

#include <dlfcn.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "kiln/kiln.hpp"
#include "link/link.h"
#include "spec-tests/spectest_host.h"
#include "spec-tests/wast_values.h"
#include "wasm/error.h"
#include "wasm/reader.h"
#include "wasm/validator.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kiln::spec {

namespace {

std::vector<uint8_t> readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A scratch directory removed on scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kiln-wast-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int runProcess(const std::vector<std::string>& argv, std::string* output) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) output->append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A binary module from the script, compiled (or the reason it was not).
struct CompiledModule {
  std::string symbol;
  std::string error;  // decode/validate/compile failure
  const kiln_module_desc* desc = nullptr;
};

class ScriptRunner {
 public:
  ScriptRunner(const fs::path& wast, const RunnerOptions& options) : wast_(wast), options_(options) {
    result_.file = wast.filename().string();
    for (const std::string& e : options.expectedFailures) expected_.insert(e);
  }
  ~ScriptRunner() {
    current_ = nullptr;
    named_.clear();
    registered_.clear();
    store_.reset();  // before the code it ran is unloaded
    if (library_) dlclose(library_);
  }

  FileResult run() {
    auto start = std::chrono::steady_clock::now();
    try {
      convert();
      compileModules();
      for (const json& command : script_.at("commands")) runCommand(command);
    } catch (const std::exception& e) {
      fail(0, std::string("runner error: ") + e.what());
    }
    // A listed failure that did not happen means the list is stale.
    for (const std::string& key : expected_) {
      if (!failedKeys_.count(key) && key.rfind(result_.file + ":", 0) == 0) {
        ++result_.failed;
        result_.failures.push_back(key + ": listed in the expectations file but passed");
      }
    }
    result_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result_;
  }

 private:
  void convert() {
    std::string output;
    fs::path json = dir_.path / "script.json";
    int status = runProcess({options_.wast2json, wast_.string(), "-o", json.string()}, &output);
    if (status != 0) {
      throw std::runtime_error(options_.wast2json + " failed (status " + std::to_string(status) + "): " + output);
    }
    std::ifstream in(json);
    script_ = json::parse(in);
  }

  // Every binary module the script instantiates is compiled up front, into
  // objects linked as one shared object: one dlopen per script.
  void compileModules() {
    llvm::LLVMContext context;
    auto target = codegen::createTargetMachine(options_.codegen);
    std::vector<std::string> objects;
    for (const json& command : script_.at("commands")) {
      const std::string type = command.at("type").get<std::string>();
      if (type != "module" && type != "assert_uninstantiable" && type != "assert_unlinkable") continue;
      if (command.value("module_type", "binary") != "binary") continue;
      const std::string file = command.at("filename").get<std::string>();
      CompiledModule& cm = modules_[file];
      cm.symbol = "kiln_module_" + std::to_string(modules_.size());
      try {
        std::vector<uint8_t> bytes = readBytes(dir_.path / file);
        wasm::Module module = wasm::readModule(bytes);
        wasm::validateModule(module);
        codegen::Options options = options_.codegen;
        options.moduleSymbol = cm.symbol;
        auto llvmModule = codegen::translateModule(module, context, *target, options);
        codegen::optimizeModule(*llvmModule, *target, options);
        fs::path object = dir_.path / (file + ".o");
        std::error_code ec;
        llvm::raw_fd_ostream out(object.string(), ec);
        if (ec) throw std::runtime_error("cannot write " + object.string() + ": " + ec.message());
        codegen::emitModule(*llvmModule, *target, codegen::EmitKind::Object, out);
        out.close();
        objects.push_back(object.string());
      } catch (const wasm::Error& e) {
        cm.error = e.describe();
      } catch (const std::exception& e) {
        cm.error = e.what();
      }
    }
    if (objects.empty()) return;
    fs::path library = dir_.path / "modules.so";
    std::string error;
    if (!link::linkShared(objects, library.string(), &error)) throw std::runtime_error("linking failed: " + error);
    library_ = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    for (auto& [file, cm] : modules_) {
      if (!cm.error.empty()) continue;
      cm.desc = static_cast<const kiln_module_desc*>(dlsym(library_, cm.symbol.c_str()));
      if (!cm.desc) cm.error = "descriptor " + cm.symbol + " missing from the shared object";
    }
  }

  ImportResolver resolver() {
    ImportResolver r;
    r.hostFunc = [this](std::string_view module, std::string_view name) -> std::optional<HostFunc> {
      if (module == "spectest") return spectest_.func(name);
      return std::nullopt;
    };
    r.external = [this](std::string_view module, std::string_view name) -> std::optional<Extern> {
      if (module == "spectest") return spectest_.external(name);
      auto it = registered_.find(std::string(module));
      if (it == registered_.end()) return std::nullopt;
      return it->second->exportNamed(name);
    };
    return r;
  }

  // Instantiates a compiled module; on failure returns nullptr and fills error.
  Instance* instantiate(const json& command, InstantiateError* error) {
    const std::string file = command.at("filename").get<std::string>();
    const CompiledModule& cm = modules_.at(file);
    if (!cm.desc) {
      error->kind = InstantiateError::Kind::Other;
      error->message = "not compiled: " + cm.error;
      return nullptr;
    }
    return store_->instantiate(cm.desc, resolver(), error);
  }

  Instance* instanceFor(const json& action) {
    if (action.contains("module")) {
      auto it = named_.find(action.at("module").get<std::string>());
      return it == named_.end() ? nullptr : it->second;
    }
    return current_;
  }

  struct ActionResult {
    std::string error;          // could not perform the action at all
    std::optional<Trap> trap;
    std::vector<kiln_val> values;
  };

  ActionResult perform(const json& action, size_t expectedResults) {
    ActionResult r;
    Instance* instance = instanceFor(action);
    if (!instance) {
      r.error = "no module instance";
      return r;
    }
    const std::string field = action.at("field").get<std::string>();
    std::optional<Extern> ext = instance->exportNamed(field);
    if (!ext) {
      r.error = "no export named \"" + field + "\"";
      return r;
    }
    const std::string type = action.at("type").get<std::string>();
    if (type == "get") {
      if (ext->kind != KILN_EXTERN_GLOBAL) {
        r.error = "export \"" + field + "\" is not a global";
        return r;
      }
      r.values.push_back(*ext->global);
      return r;
    }
    if (ext->kind != KILN_EXTERN_FUNC) {
      r.error = "export \"" + field + "\" is not a function";
      return r;
    }
    const json& args = action.at("args");
    std::vector<kiln_val> slots(std::max({args.size(), expectedResults, ext->results.size(), size_t{1}}));
    for (size_t i = 0; i < args.size(); ++i) slots[i] = parseValue(args[i]);
    r.trap = instance->call(ext->func, slots.data());
    if (r.trap && !r.trap->error.empty()) {
      r.error = r.trap->error;
      r.trap.reset();
      return r;
    }
    if (!r.trap) r.values.assign(slots.begin(), slots.begin() + ext->results.size());
    return r;
  }

  void runCommand(const json& command) {
    const std::string type = command.at("type").get<std::string>();
    int line = command.value("line", 0);
    if (type == "module") {
      InstantiateError error;
      Instance* instance = instantiate(command, &error);
      if (!instance) {
        current_ = nullptr;
        return fail(line, "module " + command.at("filename").get<std::string>() + ": " + error.message);
      }
      current_ = instance;
      if (command.contains("name")) named_[command.at("name").get<std::string>()] = current_;
      return pass();
    }
    if (type == "register") {
      Instance* instance = command.contains("name") ? named_[command.at("name").get<std::string>()] : current_;
      if (!instance) return fail(line, "register: no instance");
      registered_[command.at("as").get<std::string>()] = instance;
      return pass();
    }
    if (type == "action" || type == "assert_return") {
      const json& expected = command.value("expected", json::array());
      ActionResult r = perform(command.at("action"), expected.size());
      std::string what = type + " " + command.at("action").at("field").get<std::string>();
      if (!r.error.empty()) return fail(line, what + ": " + r.error);
      if (r.trap) return fail(line, what + ": unexpected trap: " + trapMessage(r.trap->code));
      if (r.values.size() != expected.size() && type == "assert_return") {
        return fail(line, what + ": got " + std::to_string(r.values.size()) + " results, expected " +
                              std::to_string(expected.size()));
      }
      for (size_t i = 0; i < expected.size() && i < r.values.size(); ++i) {
        if (!matches(expected[i], r.values[i])) {
          return fail(line, what + ": result " + std::to_string(i) + " is " +
                                formatValue(expected[i].at("type").get<std::string>(), r.values[i]) +
                                ", expected " + formatExpected(expected[i]));
        }
      }
      return pass();
    }
    if (type == "assert_trap" || type == "assert_exhaustion") {
      ActionResult r = perform(command.at("action"), command.value("expected", json::array()).size());
      std::string what = type + " " + command.at("action").at("field").get<std::string>();
      std::string text = command.at("text").get<std::string>();
      if (!r.error.empty()) return fail(line, what + ": " + r.error);
      if (!r.trap) return fail(line, what + ": returned normally, expected trap \"" + text + "\"");
      if (r.trap->exitStatus) return fail(line, what + ": guest exited, expected trap \"" + text + "\"");
      std::string message = trapMessage(r.trap->code);
      if (type == "assert_exhaustion" && r.trap->code != KILN_TRAP_STACK_OVERFLOW) {
        return fail(line, what + ": trapped with \"" + message + "\", expected stack exhaustion");
      }
      if (message.find(text) == std::string::npos && text.find(message) == std::string::npos) {
        return fail(line, what + ": trapped with \"" + message + "\", expected \"" + text + "\"");
      }
      return pass();
    }
    if (type == "assert_invalid" || type == "assert_malformed") {
      if (command.value("module_type", "binary") != "binary") {
        return skip("text-format module (Kiln has no text parser)");
      }
      // The module must be refused for the reason asserted: a decoding error
      // (malformed) or a validation error (invalid), with the spec's message
      // in ours (the reference interpreter matches the same way, one
      // direction only).
      std::string file = command.at("filename").get<std::string>();
      std::string text = command.value("text", "");
      const bool wantMalformed = type == "assert_malformed";
      try {
        std::vector<uint8_t> bytes = readBytes(dir_.path / file);
        wasm::Module module = wasm::readModule(bytes);
        wasm::validateModule(module);
      } catch (const wasm::Error& e) {
        const bool malformed = e.kind() == wasm::Error::Kind::Malformed;
        std::string message = e.what();
        if (malformed != wantMalformed)
          return fail(line, type + " " + file + ": refused as " + (malformed ? "malformed" : "invalid") + " (\"" +
                                message + "\"), expected " + (wantMalformed ? "malformed" : "invalid") + " \"" +
                                text + "\"");
        if (message.find(text) == std::string::npos)
          return fail(line, type + " " + file + ": refused with \"" + message + "\", expected \"" + text + "\"");
        return pass();
      }
      return fail(line, type + " " + file + ": accepted, expected \"" + text + "\"");
    }
    if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      InstantiateError error;
      Instance* instance = instantiate(command, &error);
      auto want = type == "assert_unlinkable" ? InstantiateError::Kind::Unlinkable : InstantiateError::Kind::Trap;
      if (instance) {
        return fail(line, type + ": instantiated, expected \"" + command.value("text", "") + "\"");
      }
      if (error.kind != want) return fail(line, type + ": failed differently: " + error.message);
      return pass();
    }
    return fail(line, "unknown command type " + type);
  }

  std::string key(int line) const { return result_.file + ":" + std::to_string(line); }
  void pass() { ++result_.passed; }
  void skip(const std::string& reason) {
    ++result_.skipped;
    if (std::find(result_.skipReasons.begin(), result_.skipReasons.end(), reason) == result_.skipReasons.end()) {
      result_.skipReasons.push_back(reason);
    }
  }
  void fail(int line, const std::string& message) {
    if (expected_.count(key(line))) {
      failedKeys_.insert(key(line));
      ++result_.expectedFailures;
      return;
    }
    ++result_.failed;
    result_.failures.push_back(key(line) + ": " + message);
  }

  fs::path wast_;
  const RunnerOptions& options_;
  FileResult result_;
  TempDir dir_;
  json script_;
  std::map<std::string, CompiledModule> modules_;
  void* library_ = nullptr;
  // Every instance of the script, the spectest objects and what failed
  // instantiations left behind live in one store.
  std::unique_ptr<Store> store_ = std::make_unique<Store>();
  SpectestHost spectest_{*store_};
  Instance* current_ = nullptr;
  std::map<std::string, Instance*> named_;
  std::map<std::string, Instance*> registered_;
  std::set<std::string> expected_;
  std::set<std::string> failedKeys_;
};

}  // namespace

FileResult runWastFile(const std::string& wastPath, const RunnerOptions& options) {
  return ScriptRunner(wastPath, options).run();
}

std::vector<std::string> readExpectations(const std::string& path) {
  std::vector<std::string> keys;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read expectations file '" + path + "'");
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t end = line.find_first_of(" \t", start);
    keys.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
  }
  return keys;
}

}  // namespace kiln::spec
