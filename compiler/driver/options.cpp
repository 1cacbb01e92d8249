#include "driver/options.h"

#include <cstdio>
#include <iostream>
#include <map>
#include <tuple>

#include "CLI/CLI.hpp"
#include "driver/error.h"
#include "kiln/abi.h"
#include "kiln/dagger.h"
#include "llvm/Config/llvm-config.h"

namespace kiln::driver {
namespace {

constexpr const char* kDescription =
    "Kiln compiles WebAssembly modules ahead of time to native code (through LLVM)\n"
    "and runs them in a sandbox with WASI.";

constexpr const char* kFooter = R"(Examples:
  kiln compile app.wasm                     writes app.o
  kiln compile app.wasm --emit=shared -o app.so
  kiln compile app.wasm --emit=llvm -O3     writes app.ll (optimised LLVM IR)
  kiln build app.wasm -o app && ./app       a native executable
  kiln build --static app.wasm -o app       fully static: runs on any Linux/x86-64
  kiln run app.wasm -- --flag input.txt     arguments after -- go to the program
  kiln run --env NAME=World app.wasm        grant one environment variable
  kiln run --dir ./data::/data app.wasm     grant a directory (the guest sees it as /data)
  kiln run --dir-ro . app.wasm              grant the current directory, read-only
  kiln build app.wasm --dir data -o app     bake a grant into the executable (KILN_DIR overrides)
  kiln run lib.wasm --invoke add -- 2 40    call the export `add`, print 42
  kiln serve app.so --timeout 1s            HTTP: a fresh instance per request (WAGI)
  kiln wast i32.wast                        run a spec test script (scripts/spec.sh: all)
  kiln wasi-test ../shared/wasi-testsuite/c run the WASI test suite (scripts/wasi-test.sh)

Environment:
  KILN_RUNTIME_DIR  directory of libkiln-rt.a and libkiln-rt-main.a (kiln build)
  XDG_CACHE_HOME    kiln run caches compiled modules in $XDG_CACHE_HOME/kiln
                    (default ~/.cache/kiln); --no-cache skips it

A program sees no files unless a directory is granted (--dir/--dir-ro), and no
environment variables under `kiln run` unless granted (--env, --inherit-env).
See docs/wasi.md.

Exit status: 0 on success, 1 on errors, 2 on usage errors. `kiln run` exits with
the program's own status, or 134 after a trap.
)";

constexpr const char* kBuildFooter = R"(Grants baked into the executable (--dir, --dir-ro, --env) are its defaults. Whoever
runs it can change them through its environment:
  KILN_DIR=HOST[::GUEST][;HOST[::GUEST]...]   replaces every baked directory grant
  KILN_DIR_RO=...                             the same, read-only (with KILN_DIR: both apply)
  KILN_ALLOW_NET=HOST:PORT[;HOST:PORT...]     replaces the baked --allow-net entries
  Set to an empty value, they revoke the baked grants. A variable from the
  environment wins over a baked --env of the same name.
The program gets the environment of the process that runs it (without the KILN_
variables above) plus the baked --env variables; --no-inherit-env: only those.
Limits (--timeout, --fuel, --max-memory, --max-stack) are baked in for good: the
environment cannot change them.
Example: kiln build app.wasm -o app --dir ./data::/data --env MODE=fast && ./app hello)";

// --env, --dir, --dir-ro: what the guest may reach (`run` and `build`).
void addCapabilityFlags(CLI::App* command, Options* options, std::vector<std::string>* dirs,
                        std::vector<std::string>* dirsReadOnly) {
  command->add_option("--env", options->env, "Set an environment variable for the program (repeatable)")
      ->option_text("KEY=VALUE")
      ->allow_extra_args(false);
  command
      ->add_option("--dir", *dirs,
                   "Grant the program the host directory HOST, which it sees as GUEST (default: HOST as given); "
                   "paths never lead out of it (repeatable; preopened descriptors 3, 4, ... in order)")
      ->option_text("HOST[::GUEST]")
      ->allow_extra_args(false);
  command
      ->add_option("--dir-ro", *dirsReadOnly,
                   "Like --dir, read-only: nothing in it can be created, changed or removed (granted after the "
                   "--dir ones)")
      ->option_text("HOST[::GUEST]")
      ->allow_extra_args(false);
}

void addCodegenFlags(CLI::App* command, Options* options, std::string* boundsChecks, std::string* epochChecks) {
  command->add_option("-O", options->codegen.optLevel, "Optimisation level, -O0 to -O3 (default -O2)")
      ->check(CLI::Range(0, 3))
      ->option_text("0-3")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  command
      ->add_option("--cpu", options->codegen.cpu,
                   "Target CPU, an LLVM CPU name (default x86-64-v2), or \"native\" for this machine's")
      ->option_text("NAME")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  command
      ->add_option("--bounds-checks", *boundsChecks,
                   "Linear memory protection: guard pages (default) or explicit checks on every access")
      ->check(CLI::IsMember({"guard", "explicit"}))
      ->option_text("guard|explicit")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  command
      ->add_option("--epoch-checks", *epochChecks,
                   "Check for a deadline or an interrupt at loop headers and calls (default on; off saves a "
                   "little time, but then --timeout and interrupts cannot stop the program)")
      ->check(CLI::IsMember({"on", "off"}))
      ->option_text("on|off")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// --fuel as a flag (compile, build): meter executed instructions.
void addFuelFlag(CLI::App* command, Options* options) {
  command->add_flag("--fuel", options->codegen.fuel,
                    "Meter executed instructions against a store's fuel (for embedders that set StoreConfig::fuel; "
                    "costs time)");
}

// Limits of `kiln run`: --timeout, --fuel N, --max-memory, --max-stack.
void addLimitFlags(CLI::App* command, std::string* timeout, std::string* fuel, std::string* maxMemory,
                   std::string* maxStack) {
  command
      ->add_option("--timeout", *timeout,
                   "Stop the program after this long (e.g. 2s, 500ms, 1m): it traps \"interrupted\" (status 134); "
                   "the start function and WASI calls that block count too")
      ->option_text("DURATION");
  command
      ->add_option("--fuel", *fuel,
                   "Stop the program after N units of work (about one per wasm instruction; deterministic): it "
                   "traps \"all fuel consumed\". Compiles with fuel metering")
      ->option_text("N");
  command
      ->add_option("--max-memory", *maxMemory,
                   "Most linear memory the program may have (e.g. 64MiB); memory.grow past it returns -1")
      ->option_text("SIZE");
  command
      ->add_option("--max-stack", *maxStack,
                   "Most native stack the program's code may use (e.g. 512KiB); deeper calls trap \"call stack "
                   "exhausted\" (default: the thread's stack, 8 MiB on Linux)")
      ->option_text("SIZE");
}

// One line, whatever CLI11 put in its message.
std::string oneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "; ";
    else
      out += c;
  }
  return out;
}

// An argument that reads as a negative number ("-inf", "-nan", "-.5",
// "-1e9"): a value for --invoke, never an option. CLI11 takes "-5" as a
// positional but would take "-inf" for the short option -i.
bool looksLikeNegativeNumber(const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-') return false;
  const std::string rest = arg.substr(1);
  if (rest == "inf" || rest == "infinity" || rest == "nan" || rest.rfind("nan:", 0) == 0) return true;
  return rest[0] == '.' && rest.size() > 1 && rest[1] >= '0' && rest[1] <= '9';
}

// Marks an argument so that CLI11 sees a positional; removed after parsing.
constexpr char kPositionalEscape = '\x01';

// The command line as CLI11 should see it. For `kiln run`, everything after
// the first "--" is the guest's and is kept out of CLI11 (whose vector
// positionals stop short at "--" in a subcommand) in *tail.
std::vector<std::string> prepareArguments(int argc, char** argv, std::vector<std::string>* tail) {
  std::vector<std::string> args(argv, argv + argc);
  size_t command = 1;
  while (command < args.size() && !args[command].empty() && args[command][0] == '-') ++command;
  if (command >= args.size() || args[command] != "run") return args;
  for (size_t i = command + 1; i < args.size(); ++i) {
    if (args[i] == "--") {
      tail->assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      args.resize(i);
      break;
    }
    if (looksLikeNegativeNumber(args[i])) args[i].insert(args[i].begin(), kPositionalEscape);
  }
  return args;
}

void unescape(std::string& arg) {
  if (!arg.empty() && arg[0] == kPositionalEscape) arg.erase(0, 1);
}

}  // namespace

// --allow-net HOST:PORT (`run` and `build`): where Dagger's http:// streams
// may connect (docs/dagger.md).
static void addAllowNetFlag(CLI::App* command, Options* options) {
  command
      ->add_option("--allow-net", options->allowNet,
                   "Let the program connect to HOST:PORT through Dagger's http:// streams (repeatable; "
                   "[::1]:PORT for IPv6; see docs/dagger.md)")
      ->option_text("HOST:PORT")
      ->allow_extra_args(false)
      ->check(CLI::Validator([](std::string& entry) { return checkAllowNetEntry(entry); }, "HOST:PORT"));
}

std::optional<WasiPreopen> parseDirGrant(const std::string& text, bool readOnly, std::string* error) {
  WasiPreopen grant;
  grant.readOnly = readOnly;
  size_t sep = text.find("::");
  grant.hostPath = text.substr(0, sep);
  if (sep != std::string::npos) grant.guestPath = text.substr(sep + 2);
  if (grant.hostPath.empty()) {
    *error = "'" + text + "' names no host directory (expected HOST[::GUEST])";
    return std::nullopt;
  }
  if (sep != std::string::npos && grant.guestPath.empty()) {
    *error = "'" + text + "' has an empty guest name after '::' (expected HOST[::GUEST])";
    return std::nullopt;
  }
  if (text.find('\0') != std::string::npos) {
    *error = "a directory name cannot hold a NUL byte";
    return std::nullopt;
  }
  if (grant.guestPath.empty()) grant.guestPath = grant.hostPath;
  return grant;
}

std::optional<uint64_t> parseByteSize(const std::string& text, std::string* error) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 19) {
    *error = "'" + text + "' is not a size (e.g. 65536, 512KiB, 64MiB, 1GiB)";
    return std::nullopt;
  }
  uint64_t value = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  static const std::map<std::string, unsigned> shifts = {
      {"", 0}, {"B", 0}, {"K", 10}, {"KiB", 10}, {"k", 10}, {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30},
      {"T", 40}, {"TiB", 40}};
  auto it = shifts.find(unit);
  if (it == shifts.end()) {
    *error = "'" + text + "' has an unknown unit '" + unit + "' (use K, M, G or KiB, MiB, GiB)";
    return std::nullopt;
  }
  if (it->second && value > (UINT64_MAX >> it->second)) {
    *error = "'" + text + "' is too large";
    return std::nullopt;
  }
  return value << it->second;
}

std::optional<std::chrono::nanoseconds> parseDuration(const std::string& text, std::string* error) {
  size_t end = 0;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) ++end;
  std::string number = text.substr(0, end), unit = text.substr(end);
  static const std::map<std::string, double> scale = {
      {"", 1e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}, {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}};
  auto it = scale.find(unit);
  double value = 0;
  bool ok = !number.empty() && number != "." && number.find('.') == number.rfind('.') && it != scale.end();
  if (ok) value = std::stod(number) * it->second;
  if (!ok || !(value >= 1) || value > 1e18) {
    *error = "'" + text + "' is not a duration (e.g. 2s, 500ms, 1.5s, 2m)";
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(value));
}

std::string versionString() {
  return std::string("kiln ") + KILN_VERSION + " (LLVM " + LLVM_VERSION_STRING + ", ABI " +
         std::to_string(KILN_ABI_VERSION) + ")";
}

std::optional<int> parseCommandLine(int argc, char** argv, Options* options) {
  CLI::App app(kDescription, "kiln");
  app.set_version_flag("--version", versionString(), "Print the version and exit");
  app.footer(kFooter);
  app.require_subcommand(0, 1);

  std::string emit = "obj";
  std::string boundsChecks = "guard";
  std::string epochChecks = "on";

  CLI::App* compile = app.add_subcommand("compile", "Compile a module to an object, assembly, LLVM IR or shared object");
  compile->add_option("input", options->input, "The WebAssembly module (.wasm)")->required();
  compile->add_option("-o,--output", options->output, "Output file (default: the input's name with .o, .s, .ll or .so)")
      ->option_text("FILE");
  compile
      ->add_option("--emit", emit,
                   "What to write: obj (native object, default), asm (assembly), llvm (LLVM IR), "
                   "shared (a shared object for `kiln run` and embedders)")
      ->check(CLI::IsMember({"obj", "asm", "llvm", "shared"}))
      ->option_text("obj|asm|llvm|shared");
  addCodegenFlags(compile, options, &boundsChecks, &epochChecks);
  addFuelFlag(compile, options);
  compile->footer("Example: kiln compile app.wasm -O3 --emit=shared -o app.so");

  CLI::App* build = app.add_subcommand("build", "Compile and link a native executable");
  build->add_option("input", options->input, "The WebAssembly module (.wasm)")->required();
  build->add_option("-o,--output", options->output, "Executable to write (default: the input's name without .wasm)")
      ->option_text("FILE");
  build->add_flag("--static", options->staticExecutable,
                  "Link fully statically (runs on any Linux of this architecture)");
  std::vector<std::string> dirs, dirsReadOnly;
  addCapabilityFlags(build, options, &dirs, &dirsReadOnly);
  addAllowNetFlag(build, options);
  build->add_flag("--no-inherit-env", options->noInheritEnv,
                  "The program gets only the --env variables, not the environment it is started with");
  std::string timeout, fuel, maxMemory, maxStack;
  addLimitFlags(build, &timeout, &fuel, &maxMemory, &maxStack);
  addCodegenFlags(build, options, &boundsChecks, &epochChecks);
  build->footer(kBuildFooter);

  CLI::App* run = app.add_subcommand("run", "Compile (cached) and run a module");
  // Not ->required(): with "kiln run -- app.wasm" it comes after the "--".
  run->add_option("input", options->input, "The WebAssembly module (.wasm)");
  run->add_option("args", options->args,
                  "Arguments: the program's (argv[1]...), or with --invoke the function's. "
                  "Put them after -- when one starts with a dash");
  addCapabilityFlags(run, options, &dirs, &dirsReadOnly);
  run->add_flag("--inherit-env", options->inheritEnv, "Pass kiln's whole environment to the program");
  addAllowNetFlag(run, options);
  std::string invokeName;
  CLI::Option* invoke = run->add_option("--invoke", invokeName,
                  "Call the exported function NAME with the arguments (i32/i64 decimal or 0x hex, f32/f64 "
                  "decimal, nan or inf) and print each result on its own line")
      ->option_text("NAME");
  run->add_flag("--no-cache", options->noCache, "Do not read or write the compiled-module cache");
  addLimitFlags(run, &timeout, &fuel, &maxMemory, &maxStack);
  addCodegenFlags(run, options, &boundsChecks, &epochChecks);
  run->footer(
      "Examples:\n"
      "  kiln run app.wasm -- -v input.txt\n"
      "  kiln run --timeout 2s --max-memory 64MiB app.wasm\n"
      "  kiln run --fuel 1000000000 app.wasm\n"
      "  kiln run --env HOME=/ --env LANG=C app.wasm\n"
      "  kiln run --dir ./data::/data --dir-ro /usr/share/dict::dict app.wasm\n"
      "  kiln run math.wasm --invoke fib 30");

  CLI::App* serve = app.add_subcommand("serve", "Serve HTTP: one fresh instance of a WASI program per request (WAGI)");
  serve->add_option("input", options->input, "The module: .wasm (compiled, cached) or a .so from kiln compile --emit=shared")
      ->required();
  serve->add_option("--listen", options->listen, "Address to listen on (default 127.0.0.1:8080; port 0 picks one)")
      ->option_text("HOST:PORT");
  serve->add_option("--instances", options->instances,
                    "Requests served at once, each on its own thread and instance (default 1000)")
      ->check(CLI::Range(1, 100000))
      ->option_text("N");
  std::string maxRequest, maxResponse;
  serve->add_option("--max-request", maxRequest, "Largest request body; larger ones get 413 (default 16MiB)")
      ->option_text("SIZE");
  serve->add_option("--max-response", maxResponse, "Largest response a handler may write; more is a 500 (default 64MiB)")
      ->option_text("SIZE");
  serve->add_flag("-q,--quiet", options->quiet, "No access log (one line per request on stderr)");
  addCapabilityFlags(serve, options, &dirs, &dirsReadOnly);
  serve->add_flag("--no-cache", options->noCache, "Do not read or write the compiled-module cache");
  addLimitFlags(serve, &timeout, &fuel, &maxMemory, &maxStack);
  addCodegenFlags(serve, options, &boundsChecks, &epochChecks);
  serve->footer(
      "Each request runs the module's _start in a fresh store with the limits above (per request); the request\n"
      "reaches it as CGI variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_*), its query parameters as\n"
      "arguments and its body on stdin. The handler prints headers (Content-Type, optionally Status or\n"
      "Location), an empty line, then the body. A handler that traps, exits non-zero, runs past --timeout or\n"
      "writes no headers gets a 500. SIGTERM or SIGINT stops accepting, lets requests in flight finish, exits.\n"
      "Examples:\n"
      "  kiln compile --emit=shared app.wasm -o app.so\n"
      "  kiln serve app.so --listen 127.0.0.1:8080 --timeout 1s --max-memory 64MiB --instances 1000");

  CLI::App* wast = app.add_subcommand("wast", "Run WebAssembly spec test scripts (.wast) through the AOT pipeline");
  wast->add_option("files", options->wastFiles, "The .wast scripts (converted with wast2json from wabt)")->required();
  wast->add_option("--expectations", options->expectations,
                   "File listing commands allowed to fail (FILE.wast:LINE reason); a listed command that "
                   "passes is a failure")
      ->option_text("FILE");
  wast->add_flag("-v,--verbose", options->verbose, "Print every failure (default: the first 20 per script)");
  addCodegenFlags(wast, options, &boundsChecks, &epochChecks);
  wast->footer(
      "Prints one line per script and a closing 'N passed, N failed, N skipped'. Text-format modules in\n"
      "assert_malformed are skipped (Kiln reads the binary format only). scripts/spec.sh runs a whole directory.\n"
      "Example: kiln wast ../shared/wasm-testsuite/core/i32.wast");

  CLI::App* wasiTest = app.add_subcommand("wasi-test", "Run the WASI test suite (wasi-testsuite's NAME.wasm + NAME.json)");
  wasiTest->add_option("dir", options->wasiTestDir, "The suite directory (e.g. ../shared/wasi-testsuite/c)")->required();
  wasiTest->add_option("tests", options->wasiTestNames, "Run only these tests (names without .wasm)");
  wasiTest->add_option("--timeout", options->wasiTestTimeout, "Seconds each test may take (default 300)")
      ->check(CLI::Range(1, 86400))
      ->option_text("SECONDS");
  wasiTest->add_flag("-v,--verbose", options->verbose, "Show each failing test's output");
  addCodegenFlags(wasiTest, options, &boundsChecks, &epochChecks);
  wasiTest->footer(
      "Each test runs through `kiln run` in a fresh copy of its `root` directory (preopened as /), with\n"
      "exactly the spec's arguments and environment; its exit status and any expected stdout/stderr\n"
      "prefix decide. Prints PASS/FAIL per test and a closing 'N passed, N failed'.\n"
      "Example: kiln wasi-test ../shared/wasi-testsuite/c");

  std::string helpTopic;
  CLI::App* help = app.add_subcommand("help", "Show help (for a command: kiln help COMMAND)");
  help->add_option("command", helpTopic, "The command to explain");

  // An unknown command, said plainly (CLI11 would list every word it could
  // not place).
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    if (word != "compile" && word != "build" && word != "run" && word != "serve" && word != "wast" &&
        word != "wasi-test" && word != "help") {
      printError("unknown command '" + word +
                 "': use compile, build, run, serve, wast or wasi-test (run 'kiln --help')");
      return kExitUsage;
    }
    break;
  }

  try {
    std::vector<std::string> tail;
    std::vector<std::string> args = prepareArguments(argc, argv, &tail);
    // CLI11 wants them in reverse, without argv[0].
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
    app.parse(reversed);
    if (run->parsed()) {
      unescape(options->input);
      for (std::string& arg : options->args) unescape(arg);
      if (options->input.empty() && !tail.empty()) {
        options->input = tail.front();
        tail.erase(tail.begin());
      }
      if (options->input.empty()) throw CLI::RequiredError("input");
      options->args.insert(options->args.end(), tail.begin(), tail.end());
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string where = "kiln";
    for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    printError(oneLine(e.what()) + " (run '" + where + " --help')");
    return kExitUsage;
  }

  if (help->parsed()) {
    if (helpTopic.empty()) {
      std::cout << app.help();
      return 0;
    }
    const std::map<std::string, CLI::App*> topics = {
        {"compile", compile}, {"build", build}, {"run", run}, {"serve", serve}, {"wast", wast}, {"wasi-test", wasiTest}};
    auto it = topics.find(helpTopic);
    if (it == topics.end()) {
      printError("no command named '" + helpTopic + "' (run 'kiln --help')");
      return kExitUsage;
    }
    std::cout << it->second->help();
    return 0;
  }

  if (compile->parsed()) {
    options->command = Command::Compile;
    static const std::map<std::string, OutputKind> kinds = {{"obj", OutputKind::Object},
                                                            {"asm", OutputKind::Assembly},
                                                            {"llvm", OutputKind::LLVMIR},
                                                            {"shared", OutputKind::Shared}};
    options->emit = kinds.at(emit);
  } else if (build->parsed()) {
    options->command = Command::Build;
  } else if (run->parsed()) {
    options->command = Command::Run;
    if (invoke->count() > 0) options->invoke = invokeName;
  } else if (serve->parsed()) {
    options->command = Command::Serve;
  } else if (wast->parsed()) {
    options->command = Command::Wast;
  } else if (wasiTest->parsed()) {
    options->command = Command::WasiTest;
  } else {
    printError("no command given: use compile, build, run or serve (run 'kiln --help')");
    return kExitUsage;
  }
  for (const auto& [values, readOnly] : {std::pair{&dirs, false}, std::pair{&dirsReadOnly, true}}) {
    for (const std::string& value : *values) {
      std::string error;
      std::optional<WasiPreopen> grant = parseDirGrant(value, readOnly, &error);
      if (!grant) {
        printError(std::string(readOnly ? "--dir-ro" : "--dir") + ": " + error + " (run 'kiln " +
                   (build->parsed() ? "build" : serve->parsed() ? "serve" : "run") + " --help')");
        return kExitUsage;
      }
      options->dirs.push_back(std::move(*grant));
    }
  }
  for (const std::string& entry : options->env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      printError("--env expects KEY=VALUE, not '" + entry + "'");
      return kExitUsage;
    }
  }
  options->codegen.explicitBoundsChecks = boundsChecks == "explicit";
  options->codegen.epochChecks = epochChecks == "on";
  if (run->parsed() || build->parsed() || serve->parsed()) {
    const std::string command = run->parsed() ? "run" : serve->parsed() ? "serve" : "build";
    std::string error;
    auto usage = [&](const char* flag) {
      printError(std::string(flag) + ": " + error + " (run 'kiln " + command + " --help')");
      return kExitUsage;
    };
    if (!timeout.empty()) {
      options->timeout = parseDuration(timeout, &error);
      if (!options->timeout) return usage("--timeout");
      if (!options->codegen.epochChecks) {
        printError("--timeout needs epoch checks: drop --epoch-checks=off");
        return kExitUsage;
      }
    }
    if (!fuel.empty()) {
      std::optional<uint64_t> amount = parseByteSize(fuel, &error);  // a plain number; K/M/G allowed
      if (!amount) return usage("--fuel");
      options->fuel = amount;
      options->codegen.fuel = true;
    }
    if (!maxMemory.empty()) {
      std::optional<uint64_t> bytes = parseByteSize(maxMemory, &error);
      if (!bytes) return usage("--max-memory");
      options->maxMemoryBytes = *bytes;
    }
    for (auto [text, flag, out] : {std::tuple{&maxRequest, "--max-request", &options->maxRequestBytes},
                                   std::tuple{&maxResponse, "--max-response", &options->maxResponseBytes}}) {
      if (text->empty()) continue;
      std::optional<uint64_t> bytes = parseByteSize(*text, &error);
      if (!bytes) return usage(flag);
      *out = *bytes;
    }
    if (!maxStack.empty()) {
      std::optional<uint64_t> bytes = parseByteSize(maxStack, &error);
      if (!bytes) return usage("--max-stack");
      if (*bytes == 0) {
        error = "must be more than 0";
        return usage("--max-stack");
      }
      options->maxStackBytes = *bytes;
    }
  }
  if (options->codegen.cpu.empty()) {
    printError("--cpu needs a CPU name (run 'kiln --help')");
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace kiln::driver
