// The Dagger stream API (import module "dagger"): a guest opens a URL
// (stdout://, log://, file:///data/x, http://host:port/, ...) and gets a
// descriptor to read, write, flush and close. See docs/dagger.md.
//
// Embedders (kiln run, executables from kiln build) make one DaggerState per
// instance from the capabilities the user granted, and chain daggerResolver
// after WASI's. The state owns the instance's descriptors: destroying it
// (after the instance) flushes and closes whatever the guest left open.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/kiln.hpp"

namespace kiln {
struct DaggerState;  // opaque; see makeDaggerState below
}  // namespace kiln

template <>
struct std::default_delete<kiln::DaggerState> {
  void operator()(kiln::DaggerState* state) const;
};

namespace kiln {

// The import module name.
inline constexpr const char* kDaggerModule = "dagger";

// The negative results of Dagger calls (the guest sees the int32 value).
enum DaggerError : int32_t {
  kDaggerBadUrl = -1,            // malformed URL (syntax, bad port, bad mode, NUL byte, ...)
  kDaggerBadInput = -2,          // a (pointer, length) outside the caller's memory, or a negative length
  kDaggerUnknownScheme = -3,     // well-formed URL with a scheme Dagger does not know
  kDaggerPermissionDenied = -4,  // not granted: file outside every --dir, host not in --allow-net, read-only grant
  kDaggerNotFound = -5,          // no such file (inside a grant), or the host name does not resolve
  kDaggerIoError = -6,           // the host operation failed (connection refused, disk error, broken pipe, ...)
  kDaggerTooManyOpen = -7,       // the instance has kDaggerMaxOpen descriptors open
  kDaggerBadFd = -8,             // not an open descriptor (never opened, or closed)
  kDaggerUnsupported = -9,       // the stream cannot do that (read from stdout://, write to random://, a directory)
};

// At most this many descriptors open at once per instance.
inline constexpr int32_t kDaggerMaxOpen = 256;

// A short name for an error code ("bad_url", ...), or "unknown".
const char* daggerErrorName(int32_t code);

struct DaggerOptions {
  // The directories the user granted (--dir HOST[::GUEST], --dir-ro): the
  // same list WASI preopens. file:// URLs name files by the guest path
  // (file:///data/x.txt for a grant known to the guest as /data); the host
  // directory is the only place they reach, and a read-only grant opens
  // files for reading only.
  std::vector<WasiPreopen> dirs;
  // "HOST:PORT" entries (--allow-net); "[v6addr]:PORT" for IPv6 literals.
  // http:// connects only to these, compared literally (host names case
  // insensitively): allowing localhost:80 does not allow 127.0.0.1:80.
  std::vector<std::string> allowNet;
};

// A network endpoint: --allow-net entries and http:// URL authorities.
struct DaggerHostPort {
  std::string host;  // lowercased, IPv6 without brackets
  uint16_t port = 0;
  bool operator==(const DaggerHostPort&) const = default;
};

// "HOST:PORT", HOST a name or IPv4 address (letters, digits, '.', '-') or an
// IPv6 address in brackets, PORT 1-65535. Without ":PORT" the port is
// `defaultPort`, or the text is refused when that is 0. nullopt when
// malformed. Header-only, so that the CLI checks --allow-net without the
// runtime.
inline std::optional<DaggerHostPort> parseDaggerHostPort(std::string_view text, uint16_t defaultPort = 0) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::string_view host, rest;
  bool bracketed = !text.empty() && text[0] == '[';
  if (bracketed) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
  } else {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (host.empty() || host.size() > 253) return std::nullopt;
  DaggerHostPort result;
  for (char c : host) {
    char l = lower(c);
    bool ok = bracketed ? (digit(c) || (l >= 'a' && l <= 'f') || c == ':' || c == '.')
                        : (digit(c) || (l >= 'a' && l <= 'z') || c == '.' || c == '-');
    if (!ok) return std::nullopt;
    result.host += l;
  }
  if (rest.empty()) {
    if (defaultPort == 0) return std::nullopt;
    result.port = defaultPort;
    return result;
  }
  std::string_view port = rest.substr(1);
  if (rest[0] != ':' || port.empty() || port.size() > 5) return std::nullopt;
  uint32_t value = 0;
  for (char c : port) {
    if (!digit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < 1 || value > 65535) return std::nullopt;
  result.port = static_cast<uint16_t>(value);
  return result;
}

// Checks one --allow-net entry. Returns an empty string when it is valid,
// else why not.
inline std::string checkAllowNetEntry(const std::string& entry) {
  if (parseDaggerHostPort(entry)) return {};
  return "--allow-net expects HOST:PORT (a host name or IPv4 address, or [IPv6] address, and a port 1-65535), "
         "not '" + entry + "'";
}

// The state of one instance's Dagger descriptors. Opens each granted
// directory now (a directory that cannot be opened is skipped: file:// URLs
// into it are denied).
std::unique_ptr<DaggerState> makeDaggerState(const DaggerOptions& options);

// The resolver for "dagger" imports, bound to `state` (which must outlive
// the instance, and serves one instance).
ImportResolver daggerResolver(DaggerState& state);

// A resolver that asks `first`, then `second`.
ImportResolver chainResolvers(ImportResolver first, ImportResolver second);

}  // namespace kiln
