// LEB128 decoding and encoding (compiler/wasm/leb128.h), with the edge cases
// of the spec's binary-leb128.wast: padded encodings up to ceil(N/7) bytes
// are accepted, longer ones are "too long", and unused bits of the last byte
// must be zero (unsigned) or copies of the sign bit (signed).

#include "wasm/leb128.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace kiln::wasm::leb128 {
namespace {

using Bytes = std::vector<uint8_t>;

Result<uint64_t> u(const Bytes& b, unsigned bits, size_t* end = nullptr) {
  size_t pos = 0;
  auto r = readUnsigned(b, pos, bits);
  if (end) *end = pos;
  return r;
}

Result<int64_t> s(const Bytes& b, unsigned bits, size_t* end = nullptr) {
  size_t pos = 0;
  auto r = readSigned(b, pos, bits);
  if (end) *end = pos;
  return r;
}

void expectU(const Bytes& b, unsigned bits, uint64_t value) {
  size_t end = 0;
  auto r = u(b, bits, &end);
  ASSERT_EQ(r.status, Status::Ok) << "bits=" << bits;
  EXPECT_EQ(r.value, value);
  EXPECT_EQ(end, b.size()) << "the whole encoding is consumed";
}

void expectS(const Bytes& b, unsigned bits, int64_t value) {
  size_t end = 0;
  auto r = s(b, bits, &end);
  ASSERT_EQ(r.status, Status::Ok) << "bits=" << bits;
  EXPECT_EQ(r.value, value);
  EXPECT_EQ(end, b.size());
}

void expectUError(const Bytes& b, unsigned bits, Status status, size_t offset) {
  auto r = u(b, bits);
  EXPECT_EQ(r.status, status) << "bits=" << bits;
  EXPECT_EQ(r.errorOffset, offset);
}

void expectSError(const Bytes& b, unsigned bits, Status status, size_t offset) {
  auto r = s(b, bits);
  EXPECT_EQ(r.status, status) << "bits=" << bits;
  EXPECT_EQ(r.errorOffset, offset);
}

TEST(Leb128, UnsignedBasics) {
  expectU({0x00}, 32, 0);
  expectU({0x01}, 32, 1);
  expectU({0x7F}, 32, 127);
  expectU({0x80, 0x01}, 32, 128);
  expectU({0xE5, 0x8E, 0x26}, 32, 624485);
  expectU({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 32, 0xFFFFFFFFu);
}

TEST(Leb128, UnsignedStopsAtTheLastByte) {
  size_t pos = 1;
  const Bytes b = {0xAA, 0x82, 0x01, 0x99};
  auto r = readUnsigned(b, pos, 32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 130u);
  EXPECT_EQ(pos, 3u);
}

TEST(Leb128, U32PaddedEncodingsUpToFiveBytesAreAccepted) {
  expectU({0x82, 0x00}, 32, 2);
  expectU({0x82, 0x80, 0x00}, 32, 2);
  expectU({0x82, 0x80, 0x80, 0x80, 0x00}, 32, 2);
  expectU({0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0);
}

TEST(Leb128, U32LongerThanFiveBytesIsTooLong) {
  // binary-leb128.wast: "\82\80\80\80\80\00" is "integer representation too long"
  expectUError({0x82, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, Status::TooLong, 5);
  expectUError({0xFF, 0xFF, 0xFF, 0xFF, 0x8F, 0x00}, 32, Status::TooLong, 5);
}

TEST(Leb128, U32UnusedBitsInTheLastByteAreTooLarge) {
  expectUError({0x82, 0x80, 0x80, 0x80, 0x70}, 32, Status::TooLarge, 4);
  expectUError({0x82, 0x80, 0x80, 0x80, 0x40}, 32, Status::TooLarge, 4);
  expectUError({0x80, 0x80, 0x80, 0x80, 0x10}, 32, Status::TooLarge, 4);
  // The unused bits are checked before the continuation bit.
  expectUError({0x80, 0x80, 0x80, 0x80, 0x90, 0x00}, 32, Status::TooLarge, 4);
}

TEST(Leb128, UnexpectedEnd) {
  expectUError({}, 32, Status::UnexpectedEnd, 0);
  expectUError({0x80}, 32, Status::UnexpectedEnd, 1);
  expectUError({0xFF, 0xFF, 0xFF}, 32, Status::UnexpectedEnd, 3);
  expectSError({0xFF}, 64, Status::UnexpectedEnd, 1);
}

TEST(Leb128, U1IsTheLimitsFlag) {
  expectU({0x00}, 1, 0);
  expectU({0x01}, 1, 1);
  expectUError({0x02}, 1, Status::TooLarge, 0);  // binary.wast: malformed limits flag
  expectUError({0x04}, 1, Status::TooLarge, 0);  // memory64 flag
  expectUError({0x03}, 1, Status::TooLarge, 0);  // shared flag
  expectUError({0x81, 0x00}, 1, Status::TooLong, 1);
  expectUError({0x80, 0x00}, 1, Status::TooLong, 1);
}

TEST(Leb128, U64) {
  expectU({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 64, std::numeric_limits<uint64_t>::max());
  expectU({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 64, 0);
  expectUError({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}, 64, Status::TooLarge, 9);
  expectUError({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 64, Status::TooLong, 10);
}

TEST(Leb128, SignedSignExtension) {
  expectS({0x00}, 32, 0);
  expectS({0x3F}, 32, 63);
  expectS({0x40}, 32, -64);
  expectS({0x7F}, 32, -1);
  expectS({0xC0, 0x00}, 32, 64);
  expectS({0xBF, 0x7F}, 32, -65);
  expectS({0x80, 0x7F}, 32, -128);
  expectS({0xFF, 0xFF, 0xFF, 0xFF, 0x07}, 32, std::numeric_limits<int32_t>::max());
  expectS({0x80, 0x80, 0x80, 0x80, 0x78}, 32, std::numeric_limits<int32_t>::min());
  expectS({0x7F}, 64, -1);
  expectS({0x40}, 7, -64);
  expectS({0x60}, 7, -32);  // the function type tag 0x60
  expectS({0x7F}, 7, -1);   // i32
}

TEST(Leb128, S32PaddedEncodingsAreAccepted) {
  expectS({0x80, 0x00}, 32, 0);
  expectS({0xFF, 0x7F}, 32, -1);
  expectS({0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0);
  expectS({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 32, -1);
}

TEST(Leb128, S32TooLongAndTooLarge) {
  expectSError({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, Status::TooLong, 5);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 32, Status::TooLong, 5);
  // The bits above bit 31 must be copies of bit 31.
  expectSError({0x80, 0x80, 0x80, 0x80, 0x70}, 32, Status::TooLarge, 4);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 32, Status::TooLarge, 4);
  expectSError({0x80, 0x80, 0x80, 0x80, 0x1F}, 32, Status::TooLarge, 4);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0x4F}, 32, Status::TooLarge, 4);
}

TEST(Leb128, S33CoversTheWholeU32Range) {
  expectS({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 33, 0xFFFFFFFFll);  // largest type index
  expectS({0x80, 0x80, 0x80, 0x80, 0x70}, 33, -(1ll << 32));
  expectS({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 33, -1);
  expectSError({0x80, 0x80, 0x80, 0x80, 0x60}, 33, Status::TooLarge, 4);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, 33, Status::TooLarge, 4);
  expectSError({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 33, Status::TooLong, 5);
}

TEST(Leb128, S64) {
  expectS({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F}, 64, std::numeric_limits<int64_t>::min());
  expectS({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, 64, std::numeric_limits<int64_t>::max());
  expectS({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 64, 0);
  expectS({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 64, -1);
  expectSError({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7E}, 64, Status::TooLarge, 9);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 64, Status::TooLarge, 9);
  expectSError({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, 64, Status::TooLarge, 9);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x41}, 64, Status::TooLarge, 9);
  expectSError({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 64, Status::TooLong, 10);
  expectSError({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 64, Status::TooLong, 10);
}

TEST(Leb128, S7RejectsContinuation) {
  // binary.wast: a function type written as "\e0\7f" is too long for s7.
  expectSError({0xE0, 0x7F}, 7, Status::TooLong, 1);
}

TEST(Leb128, TypedWrappers) {
  size_t pos = 0;
  const Bytes b = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x7F};
  auto a = readU32(b, pos);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value, 0xFFFFFFFFu);
  auto c = readS32(b, pos);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value, -1);
  auto d = readS64(b, pos);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value, -1);
  EXPECT_EQ(pos, b.size());
}

TEST(Leb128, StatusMessagesUseTheSpecWording) {
  EXPECT_EQ(statusMessage(Status::TooLong), "integer representation too long");
  EXPECT_EQ(statusMessage(Status::TooLarge), "integer too large");
  EXPECT_EQ(statusMessage(Status::UnexpectedEnd), "unexpected end of section or function");
}

TEST(Leb128, Encoders) {
  Bytes b;
  appendUnsigned(b, 624485);
  EXPECT_EQ(b, (Bytes{0xE5, 0x8E, 0x26}));
  b.clear();
  appendUnsigned(b, 2, 5);
  EXPECT_EQ(b, (Bytes{0x82, 0x80, 0x80, 0x80, 0x00}));
  b.clear();
  appendSigned(b, -1);
  EXPECT_EQ(b, (Bytes{0x7F}));
  b.clear();
  appendSigned(b, 64);
  EXPECT_EQ(b, (Bytes{0xC0, 0x00}));
  b.clear();
  appendSigned(b, -1, 5);
  EXPECT_EQ(b, (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x7F}));
  b.clear();
  appendSigned(b, 0, 3);
  EXPECT_EQ(b, (Bytes{0x80, 0x80, 0x00}));
}

TEST(Leb128, RandomRoundTrips) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    const uint64_t raw = rng() >> (rng() % 64);
    const uint32_t u32v = static_cast<uint32_t>(raw);
    const int32_t s32v = static_cast<int32_t>(raw);
    const int64_t s64v = static_cast<int64_t>(rng() % 2 ? raw : ~raw);
    const size_t pad32 = rng() % 6, pad64 = rng() % 11;

    Bytes b;
    appendUnsigned(b, u32v, pad32);
    expectU(b, 32, u32v);
    b.clear();
    appendSigned(b, s32v, pad32);
    expectS(b, 32, s32v);
    b.clear();
    appendSigned(b, s64v, pad64);
    expectS(b, 64, s64v);
    b.clear();
    appendUnsigned(b, raw, pad64);
    expectU(b, 64, raw);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace kiln::wasm::leb128
