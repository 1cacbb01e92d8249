#include "driver/module_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <map>

#include "kiln/abi.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/SHA256.h"
#include "llvm/TargetParser/Host.h"

namespace kiln::driver {
namespace {

bool usableDirectory(const std::string& dir) {
  std::string path;
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return ::access(dir.c_str(), W_OK | X_OK) == 0;
}

void addField(llvm::SHA256& hash, llvm::StringRef field) {
  hash.update(field);
  hash.update(llvm::StringRef("\0", 1));
}

// What distinguishes this build of kiln from another with the same version
// number (a developer's rebuild changes the generated code too).
std::string selfIdentity() {
  struct stat st {};
  if (::stat("/proc/self/exe", &st) != 0) return "";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
}

}  // namespace

std::optional<std::string> cacheDirectory() {
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && home[0] == '/') {
    base = std::string(home) + "/.cache";
  } else {
    return std::nullopt;
  }
  std::string dir = base + "/kiln";
  if (!usableDirectory(dir)) return std::nullopt;
  return dir;
}

std::string cacheEntryName(std::span<const uint8_t> wasmBytes, const codegen::Options& options) {
  llvm::SHA256 hash;
  addField(hash, "kiln-run-cache-1");
  addField(hash, KILN_VERSION);
  addField(hash, LLVM_VERSION_STRING);
  addField(hash, std::to_string(KILN_ABI_VERSION));
  addField(hash, selfIdentity());
  addField(hash, std::to_string(codegen::optionsHash(options)));
  addField(hash, std::to_string(options.optLevel));
  addField(hash, options.explicitBoundsChecks ? "explicit" : "guard");
  addField(hash, options.cpu);
  if (options.cpu == "native") {
    addField(hash, llvm::sys::getHostCPUName());
    std::map<std::string, bool> features;  // sorted
    for (const auto& feature : llvm::sys::getHostCPUFeatures()) features[feature.getKey().str()] = feature.getValue();
    for (const auto& [name, enabled] : features) addField(hash, (enabled ? "+" : "-") + name);
  }
  hash.update(llvm::ArrayRef<uint8_t>(wasmBytes.data(), wasmBytes.size()));
  std::array<uint8_t, 32> digest = hash.final();
  static const char kHex[] = "0123456789abcdef";
  std::string name;
  for (size_t i = 0; i < 20; ++i) {
    name += kHex[digest[i] >> 4];
    name += kHex[digest[i] & 15];
  }
  return name + ".so";
}

}  // namespace kiln::driver
