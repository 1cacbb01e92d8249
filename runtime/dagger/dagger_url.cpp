// Dagger URLs: SCHEME://REST, the scheme case-insensitive (RFC 3986), the
// rest checked strictly per scheme. Anything unexpected is kDaggerBadUrl, so
// that a typo fails loudly instead of opening something else.
#include <algorithm>
#include <charconv>
#include <utility>

#include "rt_dagger.h"
#include "rt_text.h"

namespace kiln::dagger {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// %XX-decodes s. nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = rt::hexDigitValue(s[i + 1]);
    int lo = rt::hexDigitValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

// A decimal number in [min, max], digits only.
std::optional<uint32_t> parseNumber(std::string_view s, uint32_t min, uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  for (char c : s)
    if (!isDigit(c)) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < min || value > max) return std::nullopt;
  return static_cast<uint32_t>(value);
}

UrlResult bad() { return {std::nullopt, kDaggerBadUrl}; }

UrlResult ok(Url url) { return {std::move(url), 0}; }

UrlResult parseFile(std::string_view rest) {
  Url url;
  url.scheme = Scheme::File;
  size_t question = rest.find('?');
  std::optional<std::string> path = percentDecode(rest.substr(0, question));
  if (!path || path->empty()) return bad();
  url.path = std::move(*path);
  if (question != std::string_view::npos) {
    std::string_view query = rest.substr(question + 1);
    if (query.empty()) return bad();
    bool seenMode = false;
    while (true) {
      size_t amp = query.find('&');
      std::string_view param = query.substr(0, amp);
      size_t eq = param.find('=');
      if (eq == std::string_view::npos || param.substr(0, eq) != "mode" || seenMode) return bad();
      std::optional<std::string> value = percentDecode(param.substr(eq + 1));
      if (!value) return bad();
      static const std::pair<const char*, FileMode> kModes[] = {
          {"r", FileMode::Read},    {"r+", FileMode::ReadPlus}, {"w", FileMode::Write},
          {"w+", FileMode::WritePlus}, {"a", FileMode::Append},   {"a+", FileMode::AppendPlus}};
      bool known = false;
      for (const auto& [name, mode] : kModes) {
        if (*value == name) {
          url.mode = mode;
          known = true;
        }
      }
      if (!known) return bad();
      seenMode = true;
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  return ok(std::move(url));
}

UrlResult parseHttp(std::string_view rest) {
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) return bad();  // no credentials in URLs
  std::optional<HostPort> hostPort = parseDaggerHostPort(authority, 80);
  if (!hostPort) return bad();
  Url url;
  url.scheme = Scheme::Http;
  url.host = std::move(hostPort->host);
  url.port = hostPort->port;
  return ok(std::move(url));
}

UrlResult parseLog(std::string_view rest) {
  if (rest.size() > kMaxLogTag) return bad();
  for (char c : rest) {
    bool ok = isAlpha(c) || isDigit(c) || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@';
    if (!ok) return bad();
  }
  Url url;
  url.scheme = Scheme::Log;
  url.tag = rest.empty() ? std::string("guest") : std::string(rest);
  return ok(std::move(url));
}

}  // namespace

UrlResult parseUrl(std::string_view text) {
  if (text.empty() || text.size() > kMaxUrlLength) return bad();
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad();  // control characters (NUL, newlines, ...)
  }
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad();
  std::string_view schemeText = text.substr(0, sep);
  if (!isAlpha(schemeText[0])) return bad();
  for (char c : schemeText)
    if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') return bad();
  std::string scheme = rt::asciiLowered(schemeText);
  std::string_view rest = text.substr(sep + 3);

  static const std::pair<const char*, Scheme> kBare[] = {{"stdin", Scheme::Stdin},   {"stdout", Scheme::Stdout},
                                                         {"stderr", Scheme::Stderr}, {"random", Scheme::Random},
                                                         {"null", Scheme::Null},     {"zero", Scheme::Zero}};
  for (const auto& [name, kind] : kBare) {
    if (scheme == name) {
      if (!rest.empty()) return bad();
      Url url;
      url.scheme = kind;
      return ok(std::move(url));
    }
  }
  if (scheme == "log") return parseLog(rest);
  if (scheme == "file") return parseFile(rest);
  if (scheme == "http") return parseHttp(rest);
  if (scheme == "fd") {
    std::optional<uint32_t> n = parseNumber(rest, 0, INT32_MAX);
    if (!n) return bad();
    Url url;
    url.scheme = Scheme::Fd;
    url.fd = static_cast<int>(*n);
    return ok(std::move(url));
  }
  return {std::nullopt, kDaggerUnknownScheme};
}

std::optional<HostPort> parseHostPort(std::string_view text) { return parseDaggerHostPort(text); }

}  // namespace kiln::dagger

namespace kiln {

const char* daggerErrorName(int32_t code) {
  switch (code) {
    case kDaggerBadUrl: return "bad_url";
    case kDaggerBadInput: return "bad_input";
    case kDaggerUnknownScheme: return "unknown_scheme";
    case kDaggerPermissionDenied: return "permission_denied";
    case kDaggerNotFound: return "not_found";
    case kDaggerIoError: return "io_error";
    case kDaggerTooManyOpen: return "too_many_open";
    case kDaggerBadFd: return "bad_fd";
    case kDaggerUnsupported: return "unsupported";
    default: return "unknown";
  }
}

}  // namespace kiln
