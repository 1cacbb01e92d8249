// LEB128 integers as the WebAssembly binary format defines them: uN and sN
// for N in {1, 7, 32, 33, 64}.
//
// An encoding may be padded up to ceil(N/7) bytes (non-minimal encodings are
// accepted), but no longer ("integer representation too long"), and the bits
// of the last byte beyond N must be zero for uN, or copies of the sign bit for
// sN ("integer too large"). The checks run byte by byte in the order of the
// reference interpreter, so a bad last byte is "too large" even when its
// continuation bit is also set.
//
// These helpers never throw and never read past the end of the input; the
// reader turns a non-Ok status into a wasm::Error at errorOffset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kiln::wasm::leb128 {

enum class Status : uint8_t {
  Ok,
  UnexpectedEnd,  // the input ended inside the number
  TooLong,        // more than ceil(N/7) bytes
  TooLarge,       // unused bits of the last byte not zero (unsigned) or not the sign (signed)
};

// The spec test suite's wording for each failure.
constexpr std::string_view statusMessage(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::UnexpectedEnd: return "unexpected end of section or function";
    case Status::TooLong: return "integer representation too long";
    case Status::TooLarge: return "integer too large";
  }
  return "invalid LEB128";
}

template <typename T>
struct Result {
  Status status = Status::Ok;
  T value = 0;
  size_t errorOffset = 0;  // where the problem is (the byte that is too many / too large)
  bool ok() const { return status == Status::Ok; }
};

// Reads an unsigned LEB128 of at most `bits` bits (1..64) at `pos`, which is
// advanced past the number on success (and left unspecified on failure).
inline Result<uint64_t> readUnsigned(std::span<const uint8_t> in, size_t& pos, unsigned bits) {
  Result<uint64_t> r;
  uint64_t value = 0;
  unsigned shift = 0;
  for (int remaining = static_cast<int>(bits);; remaining -= 7, shift += 7) {
    if (remaining <= 0) return {Status::TooLong, 0, pos};
    if (pos >= in.size()) return {Status::UnexpectedEnd, 0, in.size()};
    const uint8_t b = in[pos];
    if (remaining < 7 && (b & 0x7F) >= (1u << remaining)) return {Status::TooLarge, 0, pos};
    ++pos;
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
  }
  r.value = value;
  return r;
}

// Reads a signed LEB128 of at most `bits` bits (1..64); the value is
// sign-extended to 64 bits.
inline Result<int64_t> readSigned(std::span<const uint8_t> in, size_t& pos, unsigned bits) {
  Result<int64_t> r;
  uint64_t value = 0;
  unsigned shift = 0;
  for (int remaining = static_cast<int>(bits);; remaining -= 7, shift += 7) {
    if (remaining <= 0) return {Status::TooLong, 0, pos};
    if (pos >= in.size()) return {Status::UnexpectedEnd, 0, in.size()};
    const uint8_t b = in[pos];
    if (remaining < 7) {
      // Bits remaining-1 .. 6 of the payload must all equal the sign bit.
      const uint8_t mask = static_cast<uint8_t>((0xFFu << (remaining - 1)) & 0x7F);
      if ((b & mask) != 0 && (b & mask) != mask) return {Status::TooLarge, 0, pos};
    }
    ++pos;
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      if ((b & 0x40) != 0 && shift + 7 < 64) value |= ~uint64_t{0} << (shift + 7);
      break;
    }
  }
  r.value = static_cast<int64_t>(value);
  return r;
}

inline Result<uint32_t> readU32(std::span<const uint8_t> in, size_t& pos) {
  auto r = readUnsigned(in, pos, 32);
  return {r.status, static_cast<uint32_t>(r.value), r.errorOffset};
}
inline Result<int32_t> readS32(std::span<const uint8_t> in, size_t& pos) {
  auto r = readSigned(in, pos, 32);
  return {r.status, static_cast<int32_t>(r.value), r.errorOffset};
}
inline Result<int64_t> readS33(std::span<const uint8_t> in, size_t& pos) { return readSigned(in, pos, 33); }
inline Result<int64_t> readS64(std::span<const uint8_t> in, size_t& pos) { return readSigned(in, pos, 64); }
inline Result<uint64_t> readU64(std::span<const uint8_t> in, size_t& pos) { return readUnsigned(in, pos, 64); }

// Encoders (minimal encodings unless padTo asks for more bytes), for tests and
// tools that build modules by hand.
inline void appendUnsigned(std::vector<uint8_t>& out, uint64_t value, size_t padTo = 0) {
  size_t n = 0;
  do {
    uint8_t b = value & 0x7F;
    value >>= 7;
    ++n;
    if (value != 0 || n < padTo) b |= 0x80;
    out.push_back(b);
  } while (value != 0);
  for (; n < padTo; ++n) out.push_back(n + 1 < padTo ? 0x80 : 0x00);
}

inline void appendSigned(std::vector<uint8_t>& out, int64_t value, size_t padTo = 0) {
  size_t n = 0;
  bool more = true;
  while (more) {
    uint8_t b = value & 0x7F;
    value >>= 7;  // arithmetic shift (C++20)
    more = !((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0));
    ++n;
    if (more || n < padTo) b |= 0x80;
    out.push_back(b);
  }
  const uint8_t fill = value < 0 ? 0x7F : 0x00;
  for (; n < padTo; ++n) out.push_back(n + 1 < padTo ? static_cast<uint8_t>(fill | 0x80) : fill);
}

}  // namespace kiln::wasm::leb128
