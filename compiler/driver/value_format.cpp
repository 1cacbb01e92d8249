#include "driver/value_format.h"

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace kiln::driver {
namespace {

// 'text', built by appending: GCC 12 at -O2 warns falsely (-Wrestrict)
// about "'" + std::string(...).
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out.append(text);
  out += '\'';
  return out;
}

// Parses an unsigned magnitude in decimal or 0x hex; the whole text must match.
std::optional<uint64_t> parseMagnitude(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Integers of `bits` bits: anything in [-2^(bits-1), 2^bits - 1].
std::optional<uint64_t> parseInteger(std::string_view text, int bits, std::string* error) {
  bool negative = false;
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  std::optional<uint64_t> magnitude = parseMagnitude(digits);
  if (!magnitude) {
    *error = quoted(text) + " is not an integer";
    return std::nullopt;
  }
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  const uint64_t maxNegative = uint64_t{1} << (bits - 1);
  if ((negative && *magnitude > maxNegative) || (!negative && *magnitude > mask)) {
    *error = quoted(text) + " is out of range for i" + std::to_string(bits);
    return std::nullopt;
  }
  uint64_t value = negative ? (~*magnitude + 1) : *magnitude;
  return value & mask;
}

template <typename Float, typename Bits>
std::optional<Float> parseFloat(std::string_view text, std::string* error) {
  constexpr int kMantissaBits = std::numeric_limits<Float>::digits - 1;
  constexpr Bits kMantissaMask = (Bits{1} << kMantissaBits) - 1;
  constexpr Bits kSignBit = Bits{1} << (sizeof(Bits) * 8 - 1);
  constexpr Bits kExponentMask = ~kSignBit & ~kMantissaMask;
  auto fail = [&]() -> std::optional<Float> {
    *error = quoted(text) + " is not a number";
    return std::nullopt;
  };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  // nan:0xPAYLOAD, the text format's spelling of a NaN with a payload.
  if (rest.size() > 4 && rest.substr(0, 4) == "nan:") {
    std::optional<uint64_t> payload = parseMagnitude(rest.substr(4));
    if (!payload || *payload == 0 || *payload > kMantissaMask) return fail();
    Bits bits = kExponentMask | static_cast<Bits>(*payload) | (negative ? kSignBit : 0);
    return std::bit_cast<Float>(bits);
  }
  if (rest.empty()) return fail();
  auto format = std::chars_format::general;
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    format = std::chars_format::hex;
    rest.remove_prefix(2);
  }
  Float value{};
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, format);
  // Out of range: from_chars reports it; a huge literal means infinity, a
  // tiny one zero, as in the text format.
  if (ec == std::errc::result_out_of_range && end == rest.data() + rest.size()) {
    if (format == std::chars_format::hex) return fail();
    std::string copy(rest);
    value = sizeof(Float) == 4 ? static_cast<Float>(std::strtof(copy.c_str(), nullptr))
                               : static_cast<Float>(std::strtod(copy.c_str(), nullptr));
  } else if (ec != std::errc() || end != rest.data() + rest.size()) {
    return fail();
  }
  return negative ? -value : value;
}

template <typename Float, typename Bits>
std::string formatFloat(Float value) {
  constexpr int kMantissaBits = std::numeric_limits<Float>::digits - 1;
  constexpr Bits kMantissaMask = (Bits{1} << kMantissaBits) - 1;
  constexpr Bits kSignBit = Bits{1} << (sizeof(Bits) * 8 - 1);
  constexpr Bits kCanonical = Bits{1} << (kMantissaBits - 1);
  if (value != value) {
    Bits bits = std::bit_cast<Bits>(value);
    std::string out = (bits & kSignBit) ? "-nan" : "nan";
    Bits payload = bits & kMantissaMask;
    if (payload != kCanonical) {
      char hex[32];
      std::snprintf(hex, sizeof hex, ":0x%llx", static_cast<unsigned long long>(payload));
      out += hex;
    }
    return out;
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "?";
  return std::string(buffer, end);
}

}  // namespace

const char* valTypeName(uint8_t type) {
  switch (type) {
    case KILN_I32: return "i32";
    case KILN_I64: return "i64";
    case KILN_F32: return "f32";
    case KILN_F64: return "f64";
    case KILN_V128: return "v128";
    case KILN_FUNCREF: return "funcref";
    case KILN_EXTERNREF: return "externref";
  }
  return "unknown";
}

std::optional<kiln_val> parseValue(std::string_view text, uint8_t type, std::string* error) {
  kiln_val value;
  std::memset(&value, 0, sizeof value);
  switch (type) {
    case KILN_I32: {
      std::optional<uint64_t> bits = parseInteger(text, 32, error);
      if (!bits) return std::nullopt;
      value.i32 = static_cast<uint32_t>(*bits);
      return value;
    }
    case KILN_I64: {
      std::optional<uint64_t> bits = parseInteger(text, 64, error);
      if (!bits) return std::nullopt;
      value.i64 = *bits;
      return value;
    }
    case KILN_F32: {
      std::optional<float> f = parseFloat<float, uint32_t>(text, error);
      if (!f) return std::nullopt;
      value.f32 = *f;
      return value;
    }
    case KILN_F64: {
      std::optional<double> f = parseFloat<double, uint64_t>(text, error);
      if (!f) return std::nullopt;
      value.f64 = *f;
      return value;
    }
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
      if (text == "null") {
        value.ref = nullptr;
        return value;
      }
      *error = std::string("a ") + valTypeName(type) + " argument can only be 'null'";
      return std::nullopt;
    default:
      *error = std::string("cannot pass a ") + valTypeName(type) + " argument from the command line";
      return std::nullopt;
  }
}

std::string formatValue(const kiln_val& value, uint8_t type) {
  switch (type) {
    case KILN_I32: return std::to_string(static_cast<int32_t>(value.i32));
    case KILN_I64: return std::to_string(static_cast<int64_t>(value.i64));
    case KILN_F32: return formatFloat<float, uint32_t>(value.f32);
    case KILN_F64: return formatFloat<double, uint64_t>(value.f64);
    case KILN_V128: {
      // As the text format writes it: four i32 lanes, lowest first.
      std::string out = "i32x4";
      for (int lane = 0; lane < 4; ++lane) {
        uint32_t bits;
        std::memcpy(&bits, value.v128 + 4 * lane, 4);
        char hex[16];
        std::snprintf(hex, sizeof hex, " 0x%08x", bits);
        out += hex;
      }
      return out;
    }
    case KILN_FUNCREF:
    case KILN_EXTERNREF: {
      if (!value.ref) return "null";
      char text[48];
      std::snprintf(text, sizeof text, "%s %p", type == KILN_FUNCREF ? "funcref" : "externref", value.ref);
      return text;
    }
  }
  return "?";
}

}  // namespace kiln::driver
