// The main() of executables made by `kiln build`: run the linked-in module
// (its descriptor is the symbol kiln_module) as a WASI command with this
// process's arguments, its environment and the grants baked in at build time
// (kiln_default_grants, see grants.h), which the environment variables
// KILN_DIR, KILN_DIR_RO and KILN_ALLOW_NET (Dagger's http://) override. docs/wasi.md tells users the rules.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "grants.h"
#include "kiln/dagger.h"
#include "kiln/kiln.hpp"

extern "C" const kiln_module_desc kiln_module;
// Defined only when the executable was built with grants; otherwise the
// weak reference is null and the defaults apply: no directories, the whole
// environment.
extern "C" const char kiln_default_grants[] __attribute__((weak));

namespace {

constexpr std::string_view kDirVariable = "KILN_DIR";
constexpr std::string_view kDirReadOnlyVariable = "KILN_DIR_RO";
constexpr std::string_view kAllowNetVariable = "KILN_ALLOW_NET";

// "HOST[::GUEST][;HOST[::GUEST]...]"; false (with *bad set) on a malformed
// entry.
bool parseDirList(std::string_view list, bool readOnly, std::vector<kiln::WasiPreopen>* out, std::string* bad) {
  while (!list.empty()) {
    size_t end = list.find(';');
    std::string_view entry = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    if (entry.empty()) continue;
    kiln::WasiPreopen dir;
    dir.readOnly = readOnly;
    size_t sep = entry.find("::");
    dir.hostPath = std::string(entry.substr(0, sep));
    dir.guestPath = sep == std::string_view::npos ? dir.hostPath : std::string(entry.substr(sep + 2));
    if (dir.hostPath.empty() || dir.guestPath.empty()) {
      *bad = std::string(entry);
      return false;
    }
    out->push_back(std::move(dir));
  }
  return true;
}

bool isControlVariable(std::string_view entry) {
  for (std::string_view name : {kDirVariable, kDirReadOnlyVariable, kAllowNetVariable})
    if (entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=') return true;
  return false;
}

std::string_view keyOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

int main(int argc, char** argv) {
  kiln::grants::Grants grants;
  const char* baked = kiln_default_grants;
  if (baked) {
    std::optional<kiln::grants::Grants> decoded = kiln::grants::decode(baked);
    if (!decoded) {
      std::fputs("kiln: error: this executable's built-in grants are damaged or from another kiln version\n", stderr);
      return 1;
    }
    grants = std::move(*decoded);
  }

  // KILN_DIR / KILN_DIR_RO replace the baked directory grants (set empty,
  // they revoke them).
  const char* dirs = std::getenv(kDirVariable.data());
  const char* dirsReadOnly = std::getenv(kDirReadOnlyVariable.data());
  if (dirs || dirsReadOnly) {
    grants.dirs.clear();
    std::string bad;
    if ((dirs && !parseDirList(dirs, false, &grants.dirs, &bad)) ||
        (dirsReadOnly && !parseDirList(dirsReadOnly, true, &grants.dirs, &bad))) {
      std::fprintf(stderr, "kiln: error: KILN_DIR/KILN_DIR_RO entry '%s' is not HOST[::GUEST]\n", bad.c_str());
      return 2;
    }
  }

  // KILN_ALLOW_NET="HOST:PORT[;HOST:PORT...]" replaces the baked --allow-net
  // entries (Dagger's http://); set empty, it revokes them.
  if (const char* net = std::getenv(kAllowNetVariable.data())) {
    grants.allowNet.clear();
    std::string_view list = net;
    while (!list.empty()) {
      size_t end = list.find(';');
      std::string entry(list.substr(0, end));
      list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
      if (entry.empty()) continue;
      if (!kiln::checkAllowNetEntry(entry).empty()) {
        std::fprintf(stderr, "kiln: error: KILN_ALLOW_NET entry '%s' is not HOST:PORT\n", entry.c_str());
        return 2;
      }
      grants.allowNet.push_back(std::move(entry));
    }
  }
  kiln::RunOptions run;
  run.allowNet = std::move(grants.allowNet);
  // Limits baked in with kiln build --timeout, --fuel, --max-memory,
  // --max-stack (the environment cannot change these).
  if (grants.timeoutNs) run.timeout = std::chrono::nanoseconds(*grants.timeoutNs);
  run.store.fuel = grants.fuel;
  if (grants.maxMemoryBytes) run.store.limits.maxMemoryBytes = *grants.maxMemoryBytes;
  if (grants.maxStackBytes) run.store.limits.maxStackBytes = *grants.maxStackBytes;

  kiln::WasiOptions options;
  options.args.assign(argv, argv + argc);
  if (grants.inheritEnv)
    for (char** e = environ; e && *e; ++e)
      if (!isControlVariable(*e)) options.env.emplace_back(*e);
  // A baked variable is a default: the environment's own value wins.
  for (const std::string& entry : grants.env) {
    bool present = false;
    for (const std::string& e : options.env) present = present || keyOf(e) == keyOf(entry);
    if (!present) options.env.push_back(entry);
  }
  options.preopens = std::move(grants.dirs);
  // This process is the program's: a write to a closed pipe comes back to
  // it as EPIPE, as for a native program that ignores SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  return kiln::runWasiCommand(&kiln_module, options, run);
}
