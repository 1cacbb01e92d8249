#include "spec-tests/wast_values.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace kiln::spec {

namespace {

uint64_t parseUnsigned(const std::string& s) { return std::stoull(s, nullptr, 10); }

bool isCanonicalNan32(uint32_t bits) { return (bits & 0x7fffffffu) == 0x7fc00000u; }
bool isArithmeticNan32(uint32_t bits) { return (bits & 0x7fc00000u) == 0x7fc00000u; }
bool isCanonicalNan64(uint64_t bits) { return (bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull; }
bool isArithmeticNan64(uint64_t bits) { return (bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull; }

// One scalar (or one v128 lane) of `type` with wast2json's text `text`
// against the actual bits.
bool scalarMatches(const std::string& type, const std::string& text, uint64_t actual) {
  if (type == "f32") {
    auto bits = static_cast<uint32_t>(actual);
    if (text == "nan:canonical") return isCanonicalNan32(bits);
    if (text == "nan:arithmetic") return isArithmeticNan32(bits);
    return bits == static_cast<uint32_t>(parseUnsigned(text));
  }
  if (type == "f64") {
    if (text == "nan:canonical") return isCanonicalNan64(actual);
    if (text == "nan:arithmetic") return isArithmeticNan64(actual);
    return actual == parseUnsigned(text);
  }
  if (type == "i8" || type == "i16" || type == "i32" || type == "i64") {
    unsigned width = type == "i8" ? 8 : type == "i16" ? 16 : type == "i32" ? 32 : 64;
    uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
    return (actual & mask) == (parseUnsigned(text) & mask);
  }
  return false;
}

unsigned laneWidth(const std::string& laneType) {
  if (laneType == "i8") return 1;
  if (laneType == "i16") return 2;
  if (laneType == "i32" || laneType == "f32") return 4;
  return 8;
}

}  // namespace

void* externRef(uint64_t n) { return reinterpret_cast<void*>(static_cast<uintptr_t>(n) + 1); }

kiln_val parseValue(const nlohmann::json& v) {
  kiln_val out;
  std::memset(&out, 0, sizeof out);
  const std::string type = v.at("type").get<std::string>();
  if (type == "v128") {
    const std::string laneType = v.at("lane_type").get<std::string>();
    unsigned width = laneWidth(laneType);
    const auto& lanes = v.at("value");
    for (size_t i = 0; i < lanes.size(); ++i) {
      uint64_t bits = parseUnsigned(lanes[i].get<std::string>());
      std::memcpy(out.v128 + i * width, &bits, width);
    }
    return out;
  }
  const std::string text = v.at("value").get<std::string>();
  if (type == "i32" || type == "f32") {
    out.i32 = static_cast<uint32_t>(parseUnsigned(text));
  } else if (type == "i64" || type == "f64") {
    out.i64 = parseUnsigned(text);
  } else if (type == "externref") {
    out.ref = text == "null" ? nullptr : externRef(parseUnsigned(text));
  } else if (type == "funcref") {
    if (text != "null") throw std::runtime_error("cannot pass a non-null funcref argument");
    out.ref = nullptr;
  } else {
    throw std::runtime_error("unknown value type " + type);
  }
  return out;
}

bool matches(const nlohmann::json& expected, const kiln_val& actual) {
  const std::string type = expected.at("type").get<std::string>();
  if (type == "v128") {
    const std::string laneType = expected.at("lane_type").get<std::string>();
    unsigned width = laneWidth(laneType);
    const auto& lanes = expected.at("value");
    for (size_t i = 0; i < lanes.size(); ++i) {
      uint64_t bits = 0;
      std::memcpy(&bits, actual.v128 + i * width, width);
      if (!scalarMatches(laneType, lanes[i].get<std::string>(), bits)) return false;
    }
    return true;
  }
  if (type == "funcref" || type == "externref") {
    if (!expected.contains("value")) return actual.ref != nullptr;  // any non-null reference
    const std::string text = expected.at("value").get<std::string>();
    if (text == "null") return actual.ref == nullptr;
    return actual.ref == externRef(parseUnsigned(text));
  }
  const std::string text = expected.at("value").get<std::string>();
  uint64_t bits = (type == "i32" || type == "f32") ? actual.i32 : actual.i64;
  return scalarMatches(type, text, bits);
}

std::string formatValue(const std::string& type, const kiln_val& v) {
  char buf[128];
  if (type == "i32") {
    snprintf(buf, sizeof buf, "i32:%u", v.i32);
  } else if (type == "i64") {
    snprintf(buf, sizeof buf, "i64:%llu", static_cast<unsigned long long>(v.i64));
  } else if (type == "f32") {
    snprintf(buf, sizeof buf, "f32:0x%08x", v.i32);
  } else if (type == "f64") {
    snprintf(buf, sizeof buf, "f64:0x%016llx", static_cast<unsigned long long>(v.i64));
  } else if (type == "v128") {
    uint64_t lo, hi;
    std::memcpy(&lo, v.v128, 8);
    std::memcpy(&hi, v.v128 + 8, 8);
    snprintf(buf, sizeof buf, "v128:0x%016llx%016llx", static_cast<unsigned long long>(hi),
             static_cast<unsigned long long>(lo));
  } else {
    snprintf(buf, sizeof buf, "%s:%p", type.c_str(), v.ref);
  }
  return buf;
}

std::string formatExpected(const nlohmann::json& expected) {
  std::string type = expected.at("type").get<std::string>();
  if (!expected.contains("value")) return type + ":<any>";
  return type + ":" + expected.at("value").dump();
}

}  // namespace kiln::spec
