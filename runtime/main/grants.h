// The capabilities and limits `kiln build` bakes into an executable (--dir,
// --dir-ro, --env, --no-inherit-env, --allow-net; --timeout, --fuel,
// --max-memory, --max-stack) and how they are stored: the driver encodes them
// into the data symbol kiln_default_grants of a small extra object it links
// in; the executable's main (exe_main.cpp) decodes them. Header-only, so
// that both sides share one definition of the format:
//
//   "KILNGRANTS1\n"                 magic and version
//   then records, each one letter and NUL-terminated strings:
//     'd' HOST \0 GUEST \0          a directory grant
//     'r' HOST \0 GUEST \0          a read-only directory grant
//     'e' KEY=VALUE \0              an environment variable
//     'n'                           do not pass the process's environment on
//     'a' HOST:PORT \0              a network allowance (--allow-net, Dagger http://)
//     't' NANOSECONDS \0            --timeout
//     'f' UNITS \0                  --fuel
//     'm' BYTES \0                  --max-memory
//     's' BYTES \0                  --max-stack
//   then '\0'. Numbers are decimal.
//
// Paths and environment entries cannot hold NUL bytes, so NUL separates.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "kiln/kiln.hpp"

namespace kiln::grants {

inline constexpr const char* kSymbol = "kiln_default_grants";
inline constexpr const char* kMagic = "KILNGRANTS1\n";

struct Grants {
  std::vector<WasiPreopen> dirs;
  std::vector<std::string> env;  // KEY=VALUE
  bool inheritEnv = true;
  std::vector<std::string> allowNet;  // HOST:PORT
  std::optional<uint64_t> timeoutNs, fuel, maxMemoryBytes, maxStackBytes;
  bool empty() const {
    return dirs.empty() && env.empty() && inheritEnv && allowNet.empty() && !timeoutNs && !fuel &&
           !maxMemoryBytes && !maxStackBytes;
  }
};

// The bytes to store (including the final NUL).
inline std::string encode(const Grants& grants) {
  std::string out = kMagic;
  for (const WasiPreopen& dir : grants.dirs) {
    out += dir.readOnly ? 'r' : 'd';
    out += dir.hostPath;
    out += '\0';
    out += dir.guestPath;
    out += '\0';
  }
  for (const std::string& entry : grants.env) {
    out += 'e';
    out += entry;
    out += '\0';
  }
  if (!grants.inheritEnv) out += 'n';
  for (const std::string& entry : grants.allowNet) {
    out += 'a';
    out += entry;
    out += '\0';
  }
  for (auto [kind, value] : {std::pair{'t', grants.timeoutNs}, std::pair{'f', grants.fuel},
                             std::pair{'m', grants.maxMemoryBytes}, std::pair{'s', grants.maxStackBytes}}) {
    if (!value) continue;
    out += kind;
    out += std::to_string(*value);
    out += '\0';
  }
  out += '\0';
  return out;
}

// nullopt when `data` is not in this format (another version of kiln).
inline std::optional<Grants> decode(const char* data) {
  const size_t magic = std::strlen(kMagic);
  if (std::strncmp(data, kMagic, magic) != 0) return std::nullopt;
  Grants grants;
  const char* p = data + magic;
  auto next = [&p]() {
    std::string s(p);
    p += s.size() + 1;
    return s;
  };
  while (*p) {
    const char kind = *p++;
    if (kind == 'd' || kind == 'r') {
      WasiPreopen dir;
      dir.readOnly = kind == 'r';
      dir.hostPath = next();
      dir.guestPath = next();
      grants.dirs.push_back(std::move(dir));
    } else if (kind == 'e') {
      grants.env.push_back(next());
    } else if (kind == 'n') {
      grants.inheritEnv = false;
    } else if (kind == 'a') {
      grants.allowNet.push_back(next());
    } else if (kind == 't' || kind == 'f' || kind == 'm' || kind == 's') {
      std::string text = next();
      char* end = nullptr;
      uint64_t value = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || *end) return std::nullopt;
      (kind == 't'   ? grants.timeoutNs
       : kind == 'f' ? grants.fuel
       : kind == 'm' ? grants.maxMemoryBytes
                     : grants.maxStackBytes) = value;
    } else {
      return std::nullopt;
    }
  }
  return grants;
}

}  // namespace kiln::grants
