// The binary decoder (compiler/wasm/reader.cpp): every section, every
// instruction's immediates, the spec's malformed-module rules with their
// messages and offsets, the name section, and modules assembled by wat2wasm.

#include "wasm/reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasm/error.h"
#include "wasm/instruction.h"
#include "wasm/leb128.h"
#include "wasm/module.h"

namespace kiln::wasm {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------
// Building modules by hand.

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes u32(uint64_t v, size_t padTo = 0) {
  Bytes b;
  leb128::appendUnsigned(b, v, padTo);
  return b;
}

Bytes s64(int64_t v) {
  Bytes b;
  leb128::appendSigned(b, v);
  return b;
}

Bytes str(std::string_view s) {
  Bytes b = u32(s.size());
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

const Bytes kHeader = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

Bytes section(uint8_t id, const Bytes& content) { return cat({{id}, u32(content.size()), content}); }

Bytes wasm(std::initializer_list<Bytes> sections) {
  Bytes out = kHeader;
  for (const Bytes& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

// A function body: size, local groups, code (which must end with 0x0B).
Bytes body(const Bytes& locals, const Bytes& code) {
  Bytes content = cat({locals, code});
  return cat({u32(content.size()), content});
}

// Type section with one type () -> (), function section with n functions of
// it, and a code section with the given bodies.
Bytes typeVoid() { return section(1, {0x01, 0x60, 0x00, 0x00}); }
Bytes funcs(size_t n) {
  Bytes c = u32(n);
  for (size_t i = 0; i < n; ++i) c.push_back(0x00);
  return section(3, c);
}
Bytes code(std::initializer_list<Bytes> bodies) {
  Bytes c = u32(bodies.size());
  for (const Bytes& b : bodies) c.insert(c.end(), b.begin(), b.end());
  return section(10, c);
}
// A module with one function () -> () whose body (no locals) is `instrs`.
Bytes oneFunc(const Bytes& instrs, std::initializer_list<Bytes> extraBefore = {},
              std::initializer_list<Bytes> extraAfter = {}) {
  Bytes out = kHeader;
  auto add = [&](const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); };
  add(typeVoid());
  add(funcs(1));
  for (const Bytes& b : extraBefore) add(b);
  add(code({body({0x00}, instrs)}));
  for (const Bytes& b : extraAfter) add(b);
  return out;
}

Module decode(const Bytes& bytes) { return readModule(bytes); }

// The error readModule throws for `bytes`; records a failure when it accepts.
Error decodeError(const Bytes& bytes) {
  try {
    readModule(bytes);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "module was accepted";
  return Error(Error::Kind::Invalid, ~uint64_t{0}, "<accepted>");
}

#define EXPECT_MALFORMED(bytes, message, at)                                    \
  do {                                                                              \
    const Error e_ = decodeError(bytes);                                            \
    EXPECT_EQ(e_.kind(), Error::Kind::Malformed) << e_.describe();                  \
    EXPECT_TRUE(std::string_view(e_.what()).starts_with(message)) << e_.describe(); \
    EXPECT_EQ(e_.offset(), uint64_t(at)) << e_.describe();                      \
  } while (0)

#define EXPECT_MALFORMED_MSG(bytes, message)                                        \
  do {                                                                              \
    const Error e_ = decodeError(bytes);                                            \
    EXPECT_EQ(e_.kind(), Error::Kind::Malformed) << e_.describe();                  \
    EXPECT_TRUE(std::string_view(e_.what()).starts_with(message)) << e_.describe(); \
  } while (0)

#define EXPECT_INVALID(bytes, message)                                              \
  do {                                                                              \
    const Error e_ = decodeError(bytes);                                            \
    EXPECT_EQ(e_.kind(), Error::Kind::Invalid) << e_.describe();                    \
    EXPECT_TRUE(std::string_view(e_.what()).starts_with(message)) << e_.describe(); \
  } while (0)

std::vector<Opcode> ops(const FunctionBody& b) {
  std::vector<Opcode> out;
  for (const Instr& i : b.code) out.push_back(i.op);
  return out;
}

// ---------------------------------------------------------------------------
// Header and section framing.

TEST(Reader, EmptyModule) {
  const Module m = decode(kHeader);
  EXPECT_TRUE(m.types.empty());
  EXPECT_TRUE(m.bodies.empty());
  EXPECT_FALSE(m.start);
  EXPECT_FALSE(m.dataCount);
}

TEST(Reader, Header) {
  EXPECT_MALFORMED(Bytes{}, "unexpected end", 0);
  EXPECT_MALFORMED((Bytes{0x00, 0x61, 0x73}), "unexpected end", 3);
  EXPECT_MALFORMED((Bytes{0x00, 0x61, 0x73, 0x6D, 0x01}), "unexpected end", 5);
  EXPECT_MALFORMED((Bytes{'a', 's', 'm', 0x00}), "magic header not detected", 0);
  EXPECT_MALFORMED((Bytes{0x00, 'A', 'S', 'M', 0x01, 0x00, 0x00, 0x00}), "magic header not detected", 0);
  EXPECT_MALFORMED((Bytes{0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}), "unknown binary version", 4);
  EXPECT_MALFORMED((Bytes{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x01, 0x00}), "unknown binary version", 4);
}

TEST(Reader, MalformedSectionId) {
  EXPECT_MALFORMED(cat({kHeader, {0x0D, 0x00}}), "malformed section id", 8);
  EXPECT_MALFORMED(cat({kHeader, {0x80, 0x00, 0x01, 0x00}}), "malformed section id", 8);
  // After a well-formed section.
  EXPECT_MALFORMED(cat({kHeader, section(1, {0x00}), {0xFF, 0x00}}), "malformed section id", 11);
}

TEST(Reader, SectionOrder) {
  // Out of order: memory (5) after global (6).
  const Bytes outOfOrder = wasm({section(6, {0x00}), section(5, {0x00})});
  EXPECT_MALFORMED(outOfOrder, "unexpected content after last section", 11);
  // Duplicated.
  EXPECT_MALFORMED(wasm({section(1, {0x00}), section(1, {0x00})}), "unexpected content after last section", 11);
  // The data count section goes between the element and code sections.
  EXPECT_NO_THROW(decode(wasm({section(9, {0x00}), section(12, {0x00}), section(10, {0x00}), section(11, {0x00})})));
  EXPECT_MALFORMED(wasm({section(10, {0x00}), section(12, {0x00})}), "unexpected content after last section", 11);
  EXPECT_MALFORMED(wasm({section(12, {0x00}), section(9, {0x00})}), "unexpected content after last section", 11);
}

TEST(Reader, CustomSectionsAnywhere) {
  const Bytes custom = section(0, cat({str("hello"), {'x', 'y', 'z'}}));
  const Module m = decode(wasm({custom, typeVoid(), custom, funcs(1), custom, custom,
                                code({body({0x00}, {0x0B})}), custom}));
  EXPECT_EQ(m.types.size(), 1u);
  EXPECT_EQ(m.bodies.size(), 1u);
}

TEST(Reader, SectionSizeMismatch) {
  // Type section claims 5 bytes but its one type takes 3 (+1 for the count);
  // the error is at the start of the section's contents.
  EXPECT_MALFORMED(wasm({{0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00}}), "section size mismatch", 10);
  // A section shorter than its contents: the type is decoded from the next
  // section's bytes, and then the sizes disagree.
  EXPECT_MALFORMED(wasm({{0x01, 0x03, 0x01, 0x60, 0x00, 0x00}}), "section size mismatch", 10);
}

TEST(Reader, SectionLongerThanTheFile) {
  EXPECT_MALFORMED(wasm({{0x01, 0x07, 0x02, 0x60, 0x00, 0x00}}), "length out of bounds", 9);
  EXPECT_MALFORMED(wasm({{0x00, 0x7F, 0x01, 'a'}}), "length out of bounds", 9);
}

TEST(Reader, CountsLargerThanTheInputAreRejectedBeforeAllocating) {
  // 2^32-1 types promised, none given.
  EXPECT_MALFORMED(wasm({cat({{0x01, 0x05}, u32(0xFFFFFFFF)})}), "length out of bounds", 10);
  // A br_table with 2^32-1 targets.
  EXPECT_MALFORMED(oneFunc(cat({{0x41, 0x00, 0x0E}, u32(0xFFFFFFFF), {0x00, 0x0B}})), "length out of bounds", 26);
  // A data segment with 2^31 bytes.
  EXPECT_MALFORMED(wasm({section(11, cat({{0x01, 0x01}, u32(0x80000000)}))}), "length out of bounds", 12);
}

TEST(Reader, UnexpectedEndInsideASection) {
  // One memory declared, none given.
  EXPECT_MALFORMED(wasm({{0x05, 0x01, 0x01}}), "unexpected end of section or function", 11);
  // The function body is cut short.
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(1), {0x0A, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1A}}),
                   "unexpected end of section or function", 26);
}

// ---------------------------------------------------------------------------
// Sections.

TEST(Reader, TypeSection) {
  const Bytes types = {0x03,                                             // three types
                       0x60, 0x00, 0x00,                                 // () -> ()
                       0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D,               // (i32 i64) -> f32
                       0x60, 0x03, 0x7C, 0x7B, 0x70, 0x02, 0x6F, 0x7F};  // (f64 v128 funcref) -> (externref i32)
  const Module m = decode(wasm({section(1, types)}));
  ASSERT_EQ(m.types.size(), 3u);
  EXPECT_TRUE(m.types[0].params.empty());
  EXPECT_TRUE(m.types[0].results.empty());
  EXPECT_EQ(m.types[1].params, (std::vector<ValType>{ValType::I32, ValType::I64}));
  EXPECT_EQ(m.types[1].results, (std::vector<ValType>{ValType::F32}));
  EXPECT_EQ(m.types[2].params, (std::vector<ValType>{ValType::F64, ValType::V128, ValType::FuncRef}));
  EXPECT_EQ(m.types[2].results, (std::vector<ValType>{ValType::ExternRef, ValType::I32}));
}

TEST(Reader, TypeSectionErrors) {
  EXPECT_MALFORMED(wasm({section(1, {0x01, 0x61, 0x00, 0x00})}), "malformed function type", 11);
  EXPECT_MALFORMED(wasm({section(1, {0x01, 0xE0, 0x7F, 0x00, 0x00})}), "integer representation too long", 12);
  EXPECT_MALFORMED(wasm({section(1, {0x01, 0x60, 0x01, 0x7A, 0x00})}), "malformed value type", 13);
  EXPECT_MALFORMED(wasm({section(1, {0x01, 0x60, 0x01, 0x40, 0x00})}), "malformed value type", 13);
}

TEST(Reader, ImportSection) {
  const Bytes imports = section(2, cat({{0x04},
                                        str("env"), str("f"), {0x00, 0x00},                      // func type 0
                                        str("env"), str("t"), {0x01, 0x70, 0x01, 0x01, 0x0A},    // table funcref 1..10
                                        str("env"), str("m"), {0x02, 0x00, 0x02},                // memory 2..
                                        str("env"), str("g"), {0x03, 0x7E, 0x01}}));            // global mut i64
  const Module m = decode(wasm({typeVoid(), imports, funcs(1), code({body({0x00}, {0x0B})})}));
  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[0].module, "env");
  EXPECT_EQ(m.imports[0].name, "f");
  EXPECT_EQ(m.imports[0].kind, ExternKind::Func);
  EXPECT_EQ(m.imports[1].kind, ExternKind::Table);
  EXPECT_EQ(m.imports[1].table.elemType, ValType::FuncRef);
  EXPECT_EQ(m.imports[1].table.limits.min, 1u);
  EXPECT_EQ(m.imports[1].table.limits.max, 10u);
  EXPECT_EQ(m.imports[2].kind, ExternKind::Memory);
  EXPECT_EQ(m.imports[2].memory.limits.min, 2u);
  EXPECT_FALSE(m.imports[2].memory.limits.max);
  EXPECT_EQ(m.imports[3].kind, ExternKind::Global);
  EXPECT_EQ(m.imports[3].global.type, ValType::I64);
  EXPECT_TRUE(m.imports[3].global.isMutable);

  EXPECT_EQ(m.numImportedFuncs, 1u);
  EXPECT_EQ(m.numImportedTables, 1u);
  EXPECT_EQ(m.numImportedMemories, 1u);
  EXPECT_EQ(m.numImportedGlobals, 1u);
  EXPECT_EQ(m.funcTypes, (std::vector<uint32_t>{0, 0}));  // imported first
  EXPECT_TRUE(m.isImportedFunc(0));
  EXPECT_FALSE(m.isImportedFunc(1));
  ASSERT_EQ(m.tables.size(), 1u);
  ASSERT_EQ(m.memories.size(), 1u);
  ASSERT_EQ(m.globals.size(), 1u);
  EXPECT_EQ(m.bodies.size(), 1u);
}

TEST(Reader, ImportErrors) {
  EXPECT_MALFORMED(wasm({section(2, {0x01, 0x00, 0x00, 0x04})}), "malformed import kind", 13);
  EXPECT_MALFORMED(wasm({section(2, {0x01, 0x00, 0x00, 0x80, 0x00})}), "malformed import kind", 13);
  // Global import with a bad mutability byte.
  EXPECT_MALFORMED(wasm({section(2, {0x01, 0x00, 0x00, 0x03, 0x7F, 0x02})}), "malformed mutability", 15);
  // Table import with a non-reference element type.
  EXPECT_MALFORMED(wasm({section(2, {0x01, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00})}), "malformed reference type", 14);
}

TEST(Reader, Names) {
  // Names must be UTF-8: an overlong encoding, a lone continuation byte, a
  // surrogate and a code point above U+10FFFF are all rejected at the length.
  for (const Bytes& bad : {Bytes{0xC0, 0x80}, Bytes{0x80}, Bytes{0xED, 0xA0, 0x80}, Bytes{0xF4, 0x90, 0x80, 0x80},
                           Bytes{0xE2, 0x82}, Bytes{0xFF}}) {
    const Bytes name = cat({u32(bad.size()), bad});
    EXPECT_MALFORMED(wasm({section(2, cat({{0x01}, name, {0x00, 0x00, 0x00}}))}), "malformed UTF-8 encoding", 11);
    EXPECT_MALFORMED(wasm({section(0, name)}), "malformed UTF-8 encoding", 10);
  }
  // Valid multi-byte names, including the largest code point.
  const Bytes good = {'a', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xBF, 0xBF};
  const Module m = decode(wasm({section(2, cat({{0x01}, u32(good.size()), good, {0x00, 0x02, 0x00, 0x00}}))}));
  ASSERT_EQ(m.imports.size(), 1u);
  EXPECT_EQ(m.imports[0].module, std::string(good.begin(), good.end()));
}

TEST(Reader, TableAndMemorySections) {
  const Module m = decode(wasm({section(4, {0x02, 0x70, 0x00, 0x05, 0x6F, 0x01, 0x00, 0x80, 0x01}),
                                section(5, {0x02, 0x00, 0x01, 0x01, 0x82, 0x80, 0x80, 0x80, 0x00, 0xFF, 0xFF, 0x03})}));
  ASSERT_EQ(m.tables.size(), 2u);
  EXPECT_EQ(m.tables[0].elemType, ValType::FuncRef);
  EXPECT_EQ(m.tables[0].limits.min, 5u);
  EXPECT_FALSE(m.tables[0].limits.max);
  EXPECT_EQ(m.tables[1].elemType, ValType::ExternRef);
  EXPECT_EQ(m.tables[1].limits.min, 0u);
  EXPECT_EQ(m.tables[1].limits.max, 128u);
  ASSERT_EQ(m.memories.size(), 2u);
  EXPECT_EQ(m.memories[0].limits.min, 1u);
  EXPECT_EQ(m.memories[1].limits.min, 2u);  // padded LEB128
  EXPECT_EQ(m.memories[1].limits.max, 65535u);
}

TEST(Reader, LimitsFlags) {
  EXPECT_MALFORMED(wasm({section(5, {0x01, 0x02, 0x00})}), "integer too large", 11);       // bad flag
  EXPECT_MALFORMED(wasm({section(5, {0x01, 0x03, 0x00, 0x00})}), "integer too large", 11);  // shared
  EXPECT_MALFORMED(wasm({section(5, {0x01, 0x04, 0x00})}), "integer too large", 11);       // memory64
  EXPECT_MALFORMED(wasm({section(5, {0x01, 0x81, 0x00, 0x00})}), "integer representation too long", 12);
  EXPECT_MALFORMED(wasm({section(4, {0x01, 0x70, 0x02, 0x00})}), "integer too large", 12);
  // Limits are u32.
  EXPECT_MALFORMED(wasm({section(5, {0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10})}), "integer too large", 16);
  EXPECT_MALFORMED(wasm({section(5, {0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00})}),
                   "integer representation too long", 17);
}

TEST(Reader, GlobalSectionAndConstantExpressions) {
  const Bytes v128 = {0xFD, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const Bytes globals = section(6, cat({{0x08},
                                        {0x7F, 0x00, 0x41}, s64(-5), {0x0B},                    // i32 -5
                                        {0x7E, 0x01, 0x42}, s64(INT64_MIN), {0x0B},             // mut i64
                                        {0x7D, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3F, 0x0B},       // f32 1.0
                                        {0x7C, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B}, // f64 1.0
                                        {0x7B, 0x00}, v128, {0x0B},                             // v128
                                        {0x70, 0x00, 0xD0, 0x70, 0x0B},                         // ref.null func
                                        {0x70, 0x00, 0xD2, 0x00, 0x0B},                         // ref.func 0
                                        {0x7F, 0x00, 0x23, 0x00, 0x0B}}));                      // global.get 0
  const Module m = decode(wasm({typeVoid(), funcs(1), globals, code({body({0x00}, {0x0B})})}));
  ASSERT_EQ(m.globals.size(), 8u);
  EXPECT_EQ(m.globals[0].type.type, ValType::I32);
  EXPECT_FALSE(m.globals[0].type.isMutable);
  EXPECT_EQ(m.globals[0].init.kind, ConstExpr::Kind::I32Const);
  EXPECT_EQ(m.globals[0].init.bits, 0xFFFFFFFBu);
  EXPECT_EQ(m.globals[0].init.offsetInFile, 23u);  // the i32.const
  EXPECT_TRUE(m.globals[1].type.isMutable);
  EXPECT_EQ(m.globals[1].init.kind, ConstExpr::Kind::I64Const);
  EXPECT_EQ(m.globals[1].init.bits, 0x8000000000000000u);
  EXPECT_EQ(m.globals[2].init.kind, ConstExpr::Kind::F32Const);
  EXPECT_EQ(m.globals[2].init.bits, 0x3F800000u);
  EXPECT_EQ(m.globals[3].init.kind, ConstExpr::Kind::F64Const);
  EXPECT_EQ(m.globals[3].init.bits, 0x3FF0000000000000u);
  EXPECT_EQ(m.globals[4].init.kind, ConstExpr::Kind::V128Const);
  EXPECT_EQ(m.globals[4].init.bits, 0x0807060504030201u);
  EXPECT_EQ(m.globals[4].init.bitsHigh, 0x100F0E0D0C0B0A09u);
  EXPECT_EQ(m.globals[5].init.kind, ConstExpr::Kind::RefNull);
  EXPECT_EQ(m.globals[5].init.refType, ValType::FuncRef);
  EXPECT_EQ(m.globals[6].init.kind, ConstExpr::Kind::RefFunc);
  EXPECT_EQ(m.globals[6].init.index, 0u);
  EXPECT_EQ(m.globals[7].init.kind, ConstExpr::Kind::GlobalGet);
}

TEST(Reader, ConstantExpressionErrors) {
  auto global = [](const Bytes& init) { return wasm({section(6, cat({{0x01, 0x7F, 0x00}, init}))}); };
  // Valid opcodes that are not constant: a validation error.
  EXPECT_INVALID(global({0x41, 0x00, 0x41, 0x01, 0x6A, 0x0B}), "constant expression required");
  EXPECT_INVALID(global({0x01, 0x0B}), "constant expression required");
  EXPECT_INVALID(global({0x41, 0x00, 0x01, 0x0B}), "constant expression required");
  EXPECT_INVALID(global({0x02, 0x40, 0x0B, 0x0B}), "constant expression required");
  // Not exactly one value.
  EXPECT_INVALID(global({0x0B}), "type mismatch");
  EXPECT_INVALID(global({0x41, 0x00, 0x41, 0x00, 0x0B}), "type mismatch");
  // Not an opcode at all: malformed.
  EXPECT_MALFORMED(global({0xF3, 0x00, 0x0B}), "illegal opcode", 13);
  // Missing end.
  EXPECT_MALFORMED(global({0x41, 0x00}), "unexpected end", 15);
  // A malformed module is reported as malformed even when a constant
  // expression before the problem was invalid.
  EXPECT_MALFORMED(wasm({section(6, {0x01, 0x7F, 0x00, 0x01, 0x0B}), {0x0D}}), "malformed section id", 15);
}

TEST(Reader, ExportAndStartSections) {
  const Bytes exports = section(7, cat({{0x04}, str("f"), {0x00, 0x00}, str("t"), {0x01, 0x00}, str("m"),
                                        {0x02, 0x00}, str("g"), {0x03, 0x00}}));
  const Module m = decode(wasm({typeVoid(), funcs(1), exports, section(8, {0x00}), code({body({0x00}, {0x0B})})}));
  ASSERT_EQ(m.exports.size(), 4u);
  EXPECT_EQ(m.exports[0].name, "f");
  EXPECT_EQ(m.exports[0].kind, ExternKind::Func);
  EXPECT_EQ(m.exports[1].kind, ExternKind::Table);
  EXPECT_EQ(m.exports[2].kind, ExternKind::Memory);
  EXPECT_EQ(m.exports[3].kind, ExternKind::Global);
  ASSERT_TRUE(m.start);
  EXPECT_EQ(*m.start, 0u);

  EXPECT_MALFORMED(wasm({section(7, cat({{0x01}, str("x"), {0x04, 0x00}}))}), "malformed export kind", 13);
}

TEST(Reader, ElementSegmentEncodings) {
  const Bytes offset0 = {0x41, 0x00, 0x0B};
  const Bytes elems = section(
      9, cat({{0x08},
              {0x00}, offset0, {0x02, 0x00, 0x01},                    // 0: active table 0, func indices
              {0x01, 0x00, 0x01, 0x01},                               // 1: passive, elemkind, func indices
              {0x02, 0x01}, offset0, {0x00, 0x01, 0x00},              // 2: active table 1, elemkind
              {0x03, 0x00, 0x01, 0x00},                               // 3: declarative, elemkind
              {0x04}, offset0, {0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B},  // 4: active, exprs
              {0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B},                   // 5: passive, externref exprs
              {0x06, 0x01}, offset0, {0x70, 0x01, 0xD2, 0x01, 0x0B},  // 6: active table 1, reftype, exprs
              {0x07, 0x70, 0x01, 0x23, 0x00, 0x0B}}));                // 7: declarative, exprs
  const Module m = decode(wasm({typeVoid(), funcs(2), elems, code({body({0x00}, {0x0B}), body({0x00}, {0x0B})})}));
  ASSERT_EQ(m.elems.size(), 8u);
  const auto& e = m.elems;
  EXPECT_EQ(e[0].mode, SegmentMode::Active);
  EXPECT_EQ(e[0].tableIndex, 0u);
  EXPECT_EQ(e[0].offset.kind, ConstExpr::Kind::I32Const);
  EXPECT_EQ(e[0].elemType, ValType::FuncRef);
  ASSERT_EQ(e[0].items.size(), 2u);
  EXPECT_EQ(e[0].items[0].kind, ConstExpr::Kind::RefFunc);
  EXPECT_EQ(e[0].items[1].index, 1u);
  EXPECT_EQ(e[1].mode, SegmentMode::Passive);
  EXPECT_EQ(e[1].items.size(), 1u);
  EXPECT_EQ(e[2].mode, SegmentMode::Active);
  EXPECT_EQ(e[2].tableIndex, 1u);
  EXPECT_EQ(e[3].mode, SegmentMode::Declarative);
  EXPECT_EQ(e[4].mode, SegmentMode::Active);
  ASSERT_EQ(e[4].items.size(), 2u);
  EXPECT_EQ(e[4].items[0].kind, ConstExpr::Kind::RefFunc);
  EXPECT_EQ(e[4].items[1].kind, ConstExpr::Kind::RefNull);
  EXPECT_EQ(e[5].mode, SegmentMode::Passive);
  EXPECT_EQ(e[5].elemType, ValType::ExternRef);
  EXPECT_EQ(e[6].tableIndex, 1u);
  EXPECT_EQ(e[6].elemType, ValType::FuncRef);
  EXPECT_EQ(e[6].items[0].index, 1u);
  EXPECT_EQ(e[7].mode, SegmentMode::Declarative);
  EXPECT_EQ(e[7].items[0].kind, ConstExpr::Kind::GlobalGet);
}

TEST(Reader, ElementSegmentErrors) {
  EXPECT_MALFORMED(wasm({section(9, {0x01, 0x08})}), "malformed elements segment kind", 11);
  EXPECT_MALFORMED(wasm({section(9, {0x01, 0x01, 0x01, 0x00})}), "malformed element kind", 12);
  EXPECT_MALFORMED(wasm({section(9, {0x01, 0x05, 0x7F, 0x00})}), "malformed reference type", 12);
  // Padded segment flags and table index are fine.
  EXPECT_NO_THROW(decode(wasm({section(9, {0x01, 0x82, 0x00, 0x80, 0x00, 0x41, 0x00, 0x0B, 0x00, 0x00})})));
}

TEST(Reader, DataSegmentsAndDataCount) {
  const Bytes datas = section(11, cat({{0x03},
                                       {0x00, 0x41, 0x08, 0x0B}, str("abc"),        // active memory 0
                                       {0x01}, str(""),                              // passive
                                       {0x02, 0x01, 0x41, 0x00, 0x0B}, str("xy")}));  // active memory 1
  const Module m = decode(wasm({section(12, {0x03}), datas}));
  ASSERT_TRUE(m.dataCount);
  EXPECT_EQ(*m.dataCount, 3u);
  ASSERT_EQ(m.datas.size(), 3u);
  EXPECT_EQ(m.datas[0].mode, SegmentMode::Active);
  EXPECT_EQ(m.datas[0].memoryIndex, 0u);
  EXPECT_EQ(m.datas[0].offset.bits, 8u);
  EXPECT_EQ(m.datas[0].bytes, (Bytes{'a', 'b', 'c'}));
  EXPECT_EQ(m.datas[1].mode, SegmentMode::Passive);
  EXPECT_TRUE(m.datas[1].bytes.empty());
  EXPECT_EQ(m.datas[2].memoryIndex, 1u);
  EXPECT_EQ(m.datas[2].bytes, (Bytes{'x', 'y'}));

  EXPECT_MALFORMED(wasm({section(11, {0x01, 0x03})}), "malformed data segment kind", 11);
  EXPECT_MALFORMED(wasm({section(12, {0x02}), datas}), "data count and data section have inconsistent lengths", 13);
  EXPECT_MALFORMED(wasm({section(12, {0x01})}), "data count and data section have inconsistent lengths", 11);
  EXPECT_NO_THROW(decode(wasm({section(12, {0x00})})));
}

TEST(Reader, DataCountRequiredByMemoryInitAndDataDrop) {
  const Bytes memory = section(5, {0x01, 0x00, 0x01});
  const Bytes data = section(11, {0x01, 0x01, 0x00});
  const Bytes init = {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B};
  // The error points at the memory.init.
  EXPECT_MALFORMED(oneFunc(init, {memory}, {data}), "data count section required", 34);
  EXPECT_MALFORMED(oneFunc({0xFC, 0x09, 0x00, 0x0B}, {memory}, {data}), "data count section required", 28);
  const Module m = decode(oneFunc(init, {memory, section(12, {0x01})}, {data}));
  ASSERT_EQ(m.bodies.size(), 1u);
  EXPECT_EQ(m.bodies[0].code[3].op, Opcode::MemoryInit);
  EXPECT_EQ(m.bodies[0].code[3].index, 0u);
  // Without any data segment the index cannot be valid: that is left to the
  // validator ("unknown data segment"), as the spec tests expect.
  EXPECT_NO_THROW(decode(oneFunc({0xFC, 0x09, 0x00, 0x0B}, {memory})));
}

TEST(Reader, FunctionAndCodeSectionsMustAgree) {
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(2)}), "function and code section have inconsistent lengths", 19);
  EXPECT_MALFORMED(wasm({code({body({0x00}, {0x0B})})}), "function and code section have inconsistent lengths", 10);
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(2), code({body({0x00}, {0x0B})})}),
                   "function and code section have inconsistent lengths", 21);
  EXPECT_NO_THROW(decode(wasm({funcs(0)})));
  EXPECT_NO_THROW(decode(wasm({code({})})));
}

// ---------------------------------------------------------------------------
// Function bodies.

TEST(Reader, LocalsAreExpanded) {
  const Module m = decode(wasm({typeVoid(), funcs(1),
                                code({body({0x04, 0x02, 0x7F, 0x00, 0x7E, 0x01, 0x7D, 0x03, 0x7B}, {0x0B})})}));
  ASSERT_EQ(m.bodies.size(), 1u);
  EXPECT_EQ(m.bodies[0].locals, (std::vector<ValType>{ValType::I32, ValType::I32, ValType::F32, ValType::V128,
                                                       ValType::V128, ValType::V128}));
  EXPECT_EQ(m.bodies[0].offsetInFile, 21u);  // the body's size field
}

// Implementation limits (reader.cpp, as V8 publishes them): one line, kind
// malformed, before anything large is allocated or compiled.
TEST(Reader, ImplementationLimits) {
  auto typeWith = [](size_t params, size_t results) {
    Bytes t = cat({{0x01, 0x60}, u32(params)});
    t.insert(t.end(), params, 0x7F);
    Bytes r = u32(results);
    t.insert(t.end(), r.begin(), r.end());
    t.insert(t.end(), results, 0x7F);
    return section(1, t);
  };
  EXPECT_NO_THROW(decode(wasm({typeWith(1000, 1000)})));
  EXPECT_MALFORMED_MSG(wasm({typeWith(1001, 0)}),
                       "too many function parameters: 1001 exceeds the implementation limit of 1000");
  EXPECT_MALFORMED_MSG(wasm({typeWith(0, 10000)}),
                       "too many function results: 10000 exceeds the implementation limit of 1000");
  // br_table with 65,521 targets (all 0), in a block.
  auto brTable = [](size_t targets) {
    Bytes instrs = cat({{0x02, 0x40, 0x41, 0x00, 0x0E}, u32(targets)});
    instrs.insert(instrs.end(), targets + 1, 0x00);
    instrs.insert(instrs.end(), {0x0B, 0x0B});
    return oneFunc(instrs);
  };
  EXPECT_NO_THROW(decode(brTable(65520)));
  EXPECT_MALFORMED_MSG(brTable(65521), "too many br_table targets: 65521");
  // A body (its locals byte, then nops and end) of 7,654,321 bytes, then one more.
  Bytes big(7'654'320, 0x01);
  big.back() = 0x0B;
  EXPECT_NO_THROW(decode(wasm({typeVoid(), funcs(1), code({body({0x00}, big)})})));
  big.insert(big.begin(), 0x01);
  EXPECT_MALFORMED_MSG(wasm({typeVoid(), funcs(1), code({body({0x00}, big)})}),
                       "function body too large: 7654322 bytes exceeds the implementation limit of 7654321");
}

TEST(Reader, TooManyLocals) {
  // 0xFFFFFFFF + 2 locals: more than the binary format allows.
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(1),
                         code({body(cat({{0x02}, u32(0xFFFFFFFF), {0x7F, 0x02, 0x7E}}), {0x0B})})}),
                   "too many locals", 22);
  // A count that does not fit in u32.
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(1), code({body({0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7F}, {0x0B})})}),
                   "integer too large", 27);
  // Within the format's limit but beyond the implementation's: still
  // rejected, without allocating billions of locals.
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(1), code({body(cat({{0x01}, u32(0xFFFFFFF0), {0x7F}}), {0x0B})})}),
                   "too many locals", 22);
  // 50000 locals are fine.
  const Module m = decode(wasm({typeVoid(), funcs(1), code({body(cat({{0x01}, u32(50000), {0x7C}}), {0x0B})})}));
  EXPECT_EQ(m.bodies[0].locals.size(), 50000u);
}

TEST(Reader, BodyEndsExactlyAtItsSize) {
  // "END opcode expected": an `else` outside an `if`.
  EXPECT_MALFORMED(oneFunc({0x05, 0x0B}), "END opcode expected", 23);
  EXPECT_MALFORMED(oneFunc({0x02, 0x40, 0x05, 0x0B, 0x0B}), "END opcode expected", 25);
  EXPECT_MALFORMED(oneFunc({0x41, 0x00, 0x04, 0x40, 0x05, 0x05, 0x0B, 0x0B}), "END opcode expected", 28);
  // Code after the final end: the body is longer than what was decoded.
  EXPECT_MALFORMED(oneFunc({0x0B, 0x01}), "section size mismatch", 22);
  // Two functions, the first without its end: the decoder runs into the
  // second body's size byte (as in binary.wast).
  EXPECT_MALFORMED(wasm({typeVoid(), funcs(2), section(10, {0x02, 0x04, 0x00, 0x41, 0x01, 0x1A, 0x05, 0x00, 0x41,
                                                            0x01, 0x1A, 0x0B})}),
                   "END opcode expected", 27);
}

TEST(Reader, InstructionsAndOffsets) {
  // block (result i32) i32.const 1 br_if 0 end drop
  // loop end
  // i32.const 0 if (type 0) else end
  // end
  const Bytes instrs = {0x02, 0x7F, 0x41, 0x01, 0x0D, 0x00, 0x0B, 0x1A, 0x03, 0x40, 0x0B,
                        0x41, 0x00, 0x04, 0x00, 0x05, 0x0B, 0x0B};
  const Module m = decode(oneFunc(instrs));
  ASSERT_EQ(m.bodies.size(), 1u);
  const FunctionBody& b = m.bodies[0];
  EXPECT_EQ(ops(b), (std::vector<Opcode>{Opcode::Block, Opcode::I32Const, Opcode::BrIf, Opcode::End, Opcode::Drop,
                                         Opcode::Loop, Opcode::End, Opcode::I32Const, Opcode::If, Opcode::Else,
                                         Opcode::End, Opcode::End}));
  // The code starts at offset 23 (header 8, type 6, function 4, code section
  // id/size/count 3, body size 1, local count 1).
  const uint32_t base = 23;
  const uint32_t expected[] = {0, 2, 4, 6, 7, 8, 10, 11, 13, 15, 16, 17};
  for (size_t i = 0; i < b.code.size(); ++i) EXPECT_EQ(b.code[i].offsetInFile, base + expected[i]) << i;
  EXPECT_EQ(b.code[0].blockType.kind, BlockType::Kind::Value);
  EXPECT_EQ(b.code[0].blockType.value, ValType::I32);
  EXPECT_EQ(b.code[1].value, 1u);
  EXPECT_EQ(b.code[2].index, 0u);
  EXPECT_EQ(b.code[5].blockType.kind, BlockType::Kind::Empty);
  EXPECT_EQ(b.code[8].blockType.kind, BlockType::Kind::TypeIndex);
  EXPECT_EQ(b.code[8].blockType.typeIndex, 0u);
}

TEST(Reader, BlockTypes) {
  // A type index that needs more than one byte, and the largest one.
  Module m = decode(oneFunc({0x02, 0x80, 0x01, 0x0B, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x0B, 0x0B}));
  EXPECT_EQ(m.bodies[0].code[0].blockType.typeIndex, 128u);
  EXPECT_EQ(m.bodies[0].code[2].blockType.typeIndex, 0xFFFFFFFFu);
  // Negative s33 values are not type indices; 0x7A is no value type.
  EXPECT_MALFORMED(oneFunc({0x02, 0xC0, 0x7F, 0x0B, 0x0B}), "malformed block type", 24);
  EXPECT_MALFORMED(oneFunc({0x02, 0x7A, 0x0B, 0x0B}), "malformed value type", 24);
  EXPECT_MALFORMED(oneFunc({0x02, 0x80, 0x80, 0x80, 0x80, 0x20, 0x0B, 0x0B}), "integer too large", 28);
}

TEST(Reader, MoreImmediates) {
  const Bytes instrs = cat({{0x20, 0x01, 0x21, 0x02},              // 0-1 local.get 1, local.set 2
                            {0x23, 0x04, 0x24, 0x05},              // 2-3 global.get 4, global.set 5
                            {0x25, 0x06, 0x26, 0x07},              // 4-5 table.get 6, table.set 7
                            {0x40, 0x00, 0x1B},                    // 6-7 memory.grow, select
                            {0xD1, 0xD2, 0x03},                    // 8-9 ref.is_null, ref.func 3
                            {0xFC, 0x0B, 0x00},                    // 10 memory.fill
                            {0xFC, 0x0D, 0x04},                    // 11 elem.drop 4
                            {0xFC, 0x0F, 0x01, 0xFC, 0x10, 0x02},  // 12-13 table.grow 1, table.size 2
                            {0xFC, 0x11, 0x03},                    // 14 table.fill 3
                            {0xFC, 0x88, 0x00, 0x07, 0x00},        // 15 memory.init 7 (padded sub-opcode)
                            {0xFC, 0x09, 0x06},                    // 16 data.drop 6
                            {0x0B}});
  const Module m = decode(oneFunc(instrs));
  const FunctionBody& b = m.bodies[0];
  ASSERT_EQ(b.code.size(), 18u);
  const std::pair<Opcode, uint32_t> expected[] = {
      {Opcode::LocalGet, 1},  {Opcode::LocalSet, 2},  {Opcode::GlobalGet, 4}, {Opcode::GlobalSet, 5},
      {Opcode::TableGet, 6},  {Opcode::TableSet, 7},  {Opcode::MemoryGrow, 0}, {Opcode::Select, 0},
      {Opcode::RefIsNull, 0}, {Opcode::RefFunc, 3},   {Opcode::MemoryFill, 0}, {Opcode::ElemDrop, 4},
      {Opcode::TableGrow, 1}, {Opcode::TableSize, 2}, {Opcode::TableFill, 3}, {Opcode::MemoryInit, 7},
      {Opcode::DataDrop, 6},  {Opcode::End, 0}};
  for (size_t i = 0; i < b.code.size(); ++i) {
    EXPECT_EQ(b.code[i].op, expected[i].first) << i;
    EXPECT_EQ(b.code[i].index, expected[i].second) << i;
  }
  EXPECT_EQ(b.code[15].index2, 0u);  // memory index
}

TEST(Reader, ImmediateValues) {
  const Bytes instrs = cat({{0x41}, s64(-1),                                   // 0 i32.const -1
                            {0x42}, s64(INT64_MIN),                            // 1 i64.const
                            {0x43, 0x00, 0x00, 0xC0, 0x7F},                    // 2 f32.const
                            {0x44, 1, 2, 3, 4, 5, 6, 7, 8},                    // 3 f64.const
                            {0x0E, 0x02, 0x00, 0x01, 0x02},                    // 4 br_table 0 1 (2)
                            {0x0E, 0x00, 0x03},                                // 5 br_table (3)
                            {0x11, 0x01, 0x02},                                // 6 call_indirect
                            {0x10, 0x05},                                      // 7 call 5
                            {0x22, 0x03},                                      // 8 local.tee 3
                            {0x28, 0x02, 0x10},                                // 9 i32.load
                            {0x37, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F},        // 10 i64.store
                            {0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00},        // 11 huge alignment
                            {0x3F, 0x00},                                      // 12 memory.size
                            {0x1C, 0x01, 0x7E},                                // 13 select i64
                            {0xD0, 0x6F},                                      // 14 ref.null extern
                            {0xFC, 0x0C, 0x02, 0x01},                          // 15 table.init
                            {0xFC, 0x0E, 0x01, 0x02},                          // 16 table.copy
                            {0xFC, 0x0A, 0x00, 0x00},                          // 17 memory.copy
                            {0xFC, 0x80, 0x00},                                // 18 padded sub-opcode 0
                            {0x0B}});
  const Module m = decode(oneFunc(instrs));
  const FunctionBody& b = m.bodies[0];
  ASSERT_EQ(b.code.size(), 20u);
  EXPECT_EQ(b.code[0].value, ~uint64_t{0});  // sign-extended to 64 bits
  EXPECT_EQ(b.code[1].value, 0x8000000000000000u);
  EXPECT_EQ(b.code[2].value, 0x7FC00000u);
  EXPECT_EQ(b.code[3].value, 0x0807060504030201u);
  EXPECT_EQ(b.code[4].op, Opcode::BrTable);
  EXPECT_EQ(b.code[4].index, 0u);
  EXPECT_EQ(b.code[4].index2, 3u);  // two targets plus the default
  EXPECT_EQ(b.code[5].index, 3u);
  EXPECT_EQ(b.code[5].index2, 1u);
  EXPECT_EQ(b.brTargets, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(b.code[6].index, 1u);   // type
  EXPECT_EQ(b.code[6].index2, 2u);  // table
  EXPECT_EQ(b.code[7].index, 5u);
  EXPECT_EQ(b.code[8].index, 3u);
  EXPECT_EQ(b.code[9].align, 2u);
  EXPECT_EQ(b.code[9].value, 16u);
  EXPECT_EQ(b.code[9].index, 0u);
  EXPECT_EQ(b.code[10].value, 0xFFFFFFFFu);
  EXPECT_EQ(b.code[11].align, 255u);  // saturated, so the validator still rejects it
  EXPECT_EQ(b.code[12].op, Opcode::MemorySize);
  EXPECT_EQ(b.code[13].op, Opcode::SelectT);
  EXPECT_EQ(b.code[13].valType, ValType::I64);
  EXPECT_EQ(b.code[14].valType, ValType::ExternRef);
  EXPECT_EQ(b.code[15].op, Opcode::TableInit);
  EXPECT_EQ(b.code[15].index, 2u);   // element segment
  EXPECT_EQ(b.code[15].index2, 1u);  // table
  EXPECT_EQ(b.code[16].index, 1u);   // destination
  EXPECT_EQ(b.code[16].index2, 2u);  // source
  EXPECT_EQ(b.code[17].op, Opcode::MemoryCopy);
  EXPECT_EQ(b.code[18].op, Opcode::I32TruncSatF32S);
}

TEST(Reader, SimdImmediates) {
  Bytes instrs = {0xFD, 0x0C};
  for (int i = 0; i < 16; ++i) instrs.push_back(static_cast<uint8_t>(0xA0 + i));  // v128.const
  instrs.insert(instrs.end(), {0xFD, 0x0D});
  for (int i = 0; i < 16; ++i) instrs.push_back(static_cast<uint8_t>(31 - i));  // i8x16.shuffle
  instrs.insert(instrs.end(), {0xFD, 0x15, 0x0F,               // i8x16.extract_lane_s 15
                               0xFD, 0x00, 0x04, 0x08,         // v128.load align=4 offset=8
                               0xFD, 0x57, 0x03, 0x00, 0x01,   // v128.load64_lane align=3 offset=0 lane 1
                               0xFD, 0xBA, 0x01,               // i32x4.dot_i16x8_s (two-byte sub-opcode)
                               0xFD, 0xFF, 0x01,               // f64x2.convert_low_i32x4_u
                               0x0B});
  const Module m = decode(oneFunc(instrs));
  const FunctionBody& b = m.bodies[0];
  ASSERT_EQ(b.code.size(), 8u);
  EXPECT_EQ(b.code[0].op, Opcode::V128Const);
  EXPECT_EQ(b.code[1].op, Opcode::I8x16Shuffle);
  ASSERT_EQ(b.v128Consts.size(), 2u);
  EXPECT_EQ(b.v128Consts[b.code[0].index][0], 0xA0);
  EXPECT_EQ(b.v128Consts[b.code[0].index][15], 0xAF);
  EXPECT_EQ(b.v128Consts[b.code[1].index][0], 31);
  EXPECT_EQ(b.v128Consts[b.code[1].index][15], 16);
  EXPECT_EQ(b.code[2].op, Opcode::I8x16ExtractLaneS);
  EXPECT_EQ(b.code[2].lane, 15);
  EXPECT_EQ(b.code[3].op, Opcode::V128Load);
  EXPECT_EQ(b.code[3].align, 4);
  EXPECT_EQ(b.code[3].value, 8u);
  EXPECT_EQ(b.code[4].op, Opcode::V128Load64Lane);
  EXPECT_EQ(b.code[4].align, 3);
  EXPECT_EQ(b.code[4].lane, 1);
  EXPECT_EQ(b.code[5].op, Opcode::I32x4DotI16x8S);
  EXPECT_EQ(b.code[6].op, Opcode::F64x2ConvertLowI32x4U);
}

TEST(Reader, ZeroBytes) {
  // memory.grow / memory.size reserved byte, also as a padded zero.
  EXPECT_MALFORMED(oneFunc({0x41, 0x00, 0x40, 0x01, 0x1A, 0x0B}), "zero byte expected", 26);
  EXPECT_MALFORMED(oneFunc({0x41, 0x00, 0x40, 0x80, 0x00, 0x1A, 0x0B}), "zero byte expected", 26);
  EXPECT_MALFORMED(oneFunc({0x3F, 0x01, 0x1A, 0x0B}), "zero byte expected", 24);
  EXPECT_MALFORMED(oneFunc({0xFC, 0x0B, 0x01, 0x0B}), "zero byte expected", 25);        // memory.fill
  EXPECT_MALFORMED(oneFunc({0xFC, 0x0A, 0x00, 0x01, 0x0B}), "zero byte expected", 26);  // memory.copy
}

TEST(Reader, IllegalOpcodes) {
  EXPECT_MALFORMED(oneFunc({0x06, 0x0B}), "illegal opcode", 23);
  EXPECT_MALFORMED(oneFunc({0x41, 0x00, 0xC5, 0x0B}), "illegal opcode", 25);
  EXPECT_MALFORMED(oneFunc({0xFC, 0x12, 0x0B}), "illegal opcode", 23);
  EXPECT_MALFORMED(oneFunc({0xFD, 0x9A, 0x01, 0x0B}), "illegal opcode", 23);  // a gap in the SIMD table
  EXPECT_MALFORMED(oneFunc({0xFD, 0x80, 0x02, 0x0B}), "illegal opcode", 23);  // beyond the SIMD table
  EXPECT_MALFORMED(oneFunc({0xFC, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0B}), "integer representation too long", 29);
}

TEST(Reader, SelectWithTypes) {
  EXPECT_INVALID(oneFunc({0x1C, 0x02, 0x7F, 0x7F, 0x0B}), "invalid result arity");
  EXPECT_INVALID(oneFunc({0x1C, 0x00, 0x0B}), "invalid result arity");
  EXPECT_MALFORMED(oneFunc({0x1C, 0x01, 0x40, 0x0B}), "malformed value type", 25);
}

TEST(Reader, RefNullType) {
  EXPECT_MALFORMED(oneFunc({0xD0, 0x7F, 0x1A, 0x0B}), "malformed reference type", 24);
}

TEST(Reader, EveryOpcodeDecodes) {
  // One instruction of every opcode in the table (with plausible
  // immediates), in one body; then check the decoder gives them all back.
  Bytes instrs;
  std::vector<Opcode> expected;
  std::set<std::pair<uint8_t, uint32_t>> encodings;
  int structured = 0;
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count_); ++i) {
    const Opcode op = static_cast<Opcode>(i);
    const OpcodeInfo& info = opcodeInfo(op);
    EXPECT_TRUE(encodings.insert({info.prefix, info.code}).second) << info.text << " has a duplicate encoding";
    if (op == Opcode::End || op == Opcode::Else) continue;
    if (info.prefix != 0) {
      instrs.push_back(info.prefix);
      const Bytes sub = u32(info.code);
      instrs.insert(instrs.end(), sub.begin(), sub.end());
    } else {
      instrs.push_back(static_cast<uint8_t>(info.code));
    }
    expected.push_back(op);
    switch (info.imm) {
      case Imm::None: break;
      case Imm::BlockType: instrs.push_back(0x40); ++structured; break;
      case Imm::BrTable: instrs.insert(instrs.end(), {0x01, 0x00, 0x00}); break;
      case Imm::CallIndirect:
      case Imm::TableInit:
      case Imm::TableCopy:
        instrs.insert(instrs.end(), {0x00, 0x00});
        break;
      case Imm::MemArg: instrs.insert(instrs.end(), {0x00, 0x00}); break;
      case Imm::MemArgLane: instrs.insert(instrs.end(), {0x00, 0x00, 0x00}); break;
      case Imm::I32:
      case Imm::I64:
        instrs.push_back(0x00);
        break;
      case Imm::F32: instrs.insert(instrs.end(), 4, 0); break;
      case Imm::F64: instrs.insert(instrs.end(), 8, 0); break;
      case Imm::V128:
      case Imm::Shuffle:
        instrs.insert(instrs.end(), 16, 0);
        break;
      case Imm::SelectT: instrs.insert(instrs.end(), {0x01, 0x7F}); break;
      case Imm::RefType: instrs.push_back(0x70); break;
      case Imm::MemoryInit:
      case Imm::MemoryCopy:
        instrs.insert(instrs.end(), {0x00, 0x00});
        break;
      default: instrs.push_back(0x00); break;  // one index, a zero byte, or a lane
    }
  }
  for (int i = 0; i <= structured; ++i) {
    instrs.push_back(0x0B);
    expected.push_back(Opcode::End);
  }
  const Bytes mod = oneFunc(instrs, {section(12, {0x01})}, {section(11, {0x01, 0x01, 0x00})});
  const Module m = decode(mod);
  ASSERT_EQ(m.bodies.size(), 1u);
  EXPECT_EQ(ops(m.bodies[0]), expected);
}

TEST(Reader, OpcodeTable) {
  size_t simd = 0, fc = 0;
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count_); ++i) {
    const OpcodeInfo& info = opcodeInfo(static_cast<Opcode>(i));
    if (info.prefix == 0xFD) ++simd;
    if (info.prefix == 0xFC) ++fc;
    EXPECT_FALSE(info.text.empty());
  }
  EXPECT_EQ(simd, 236u);  // the final WebAssembly 2.0 SIMD instruction set
  EXPECT_EQ(fc, 18u);
  EXPECT_EQ(opcodeName(Opcode::I32Add), "i32.add");
  EXPECT_EQ(opcodeInfo(Opcode::V128Load8Lane).code, 0x54u);
  EXPECT_EQ(opcodeInfo(Opcode::V128Load32Zero).code, 0x5Cu);
  EXPECT_EQ(opcodeInfo(Opcode::I16x8Q15mulrSatS).code, 0x82u);
  EXPECT_EQ(opcodeInfo(Opcode::I64x2Eq).code, 0xD6u);
  EXPECT_EQ(opcodeInfo(Opcode::I32x4DotI16x8S).imm, Imm::None);
  EXPECT_EQ(opcodeInfo(Opcode::I8x16Shuffle).imm, Imm::Shuffle);
  EXPECT_EQ(opcodeInfo(Opcode::V128Store).signature, "iv:");
  EXPECT_EQ(valTypeName(ValType::V128), "v128");
  EXPECT_EQ(valTypeName(ValType::ExternRef), "externref");
}

// ---------------------------------------------------------------------------
// The name section.

Bytes nameSection(std::initializer_list<Bytes> subsections) {
  Bytes content = str("name");
  for (const Bytes& s : subsections) content.insert(content.end(), s.begin(), s.end());
  return section(0, content);
}

TEST(Reader, NameSection) {
  const Bytes moduleName = section(0, str("my-module"));
  const Bytes funcNames = section(1, cat({{0x02, 0x00}, str("first"), {0x02}, str("third")}));
  const Bytes localNames = section(2, {0x01, 0x00, 0x01, 0x00, 0x01, 'x'});
  const Bytes exports = section(7, cat({{0x02}, str("exported1"), {0x00, 0x01}, str("exported2"), {0x00, 0x02}}));
  const Module m = decode(wasm({typeVoid(), funcs(3), exports,
                                code({body({0x00}, {0x0B}), body({0x00}, {0x0B}), body({0x00}, {0x0B})}),
                                nameSection({moduleName, funcNames, localNames})}));
  EXPECT_EQ(m.moduleName, "my-module");
  ASSERT_EQ(m.funcNames.size(), 2u);
  EXPECT_EQ(m.funcNames.at(0), "first");
  EXPECT_EQ(m.funcNames.at(2), "third");
  EXPECT_EQ(m.displayFuncName(0), "first");
  EXPECT_EQ(m.displayFuncName(1), "exported1");  // no name: the export's
  EXPECT_EQ(m.displayFuncName(2), "third");      // the name section wins over the export
  EXPECT_EQ(m.displayFuncName(7), "func[7]");
}

TEST(Reader, MalformedNameSectionIsIgnored) {
  const Bytes funcNames = section(1, cat({{0x01, 0x00}, str("f")}));
  const std::vector<Bytes> bad = {
      nameSection({{0x01, 0x09, 0x01, 0x00}}),                             // subsection longer than the section
      nameSection({section(1, {0x05, 0x00})}),                             // count too large
      nameSection({section(1, cat({{0x01, 0x00, 0x02, 0xC0, 0x80}}))}),    // bad UTF-8
      nameSection({funcNames, section(0, str("m"))}),                      // subsections out of order
      nameSection({funcNames, funcNames}),                                 // repeated subsection
      nameSection({section(1, cat({{0x02, 0x01}, str("a"), {0x00}, str("b")}))}),  // indices not increasing
      nameSection({section(1, cat({{0x01, 0x00}, str("f"), {0x00}}))}),    // junk in a subsection
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    const Module m = decode(wasm({typeVoid(), funcs(1), code({body({0x00}, {0x0B})}), bad[i]}));
    EXPECT_TRUE(m.funcNames.empty()) << i;
    EXPECT_TRUE(m.moduleName.empty()) << i;
    EXPECT_EQ(m.displayFuncName(0), "func[0]");
  }
  // The custom section's own framing still counts: a name section whose
  // declared size runs past the end of the file is malformed.
  Bytes cut = wasm({nameSection({funcNames})});
  cut.pop_back();
  EXPECT_MALFORMED_MSG(cut, "unexpected end");
}

// ---------------------------------------------------------------------------
// Errors.

TEST(Reader, ErrorDescribe) {
  EXPECT_EQ(Error(Error::Kind::Malformed, 0x1f, "unexpected end of section or function").describe(),
            "malformed module at offset 0x1f: unexpected end of section or function");
  EXPECT_EQ(Error(Error::Kind::Invalid, 0x42, "type mismatch in i32.add, expected i32 but got i64").describe(),
            "invalid module at offset 0x42: type mismatch in i32.add, expected i32 but got i64");
  const Error e = decodeError(cat({kHeader, {0x0D, 0x00}}));
  EXPECT_EQ(e.describe(), "malformed module at offset 0x8: malformed section id: found 13, expected 0 to 12");
}

TEST(Reader, TruncationsNeverCrash) {
  // Every prefix of a module with a bit of everything is either accepted or
  // rejected as malformed.
  const Bytes full = oneFunc({0x41, 0x00, 0x04, 0x40, 0xFD, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                              0x1A, 0x05, 0x0E, 0x01, 0x00, 0x00, 0x0B, 0x0B},
                             {section(5, {0x01, 0x00, 0x01}), section(6, {0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B}),
                              section(7, cat({{0x01}, str("f"), {0x00, 0x00}}))},
                             {section(11, cat({{0x01, 0x00, 0x41, 0x00, 0x0B}, str("data")})),
                              nameSection({section(1, cat({{0x01, 0x00}, str("f")}))})});
  ASSERT_NO_THROW(decode(full));
  for (size_t n = 0; n < full.size(); ++n) {
    const Bytes prefix(full.begin(), full.begin() + n);
    try {
      readModule(prefix);  // a prefix that ends between sections may be a module
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::Malformed) << e.describe();
      EXPECT_LE(e.offset(), n);
    }
  }
}

// ---------------------------------------------------------------------------
// Modules assembled by wat2wasm.

struct Assembled {
  bool toolMissing = false;
  std::string error;
  Bytes bytes;
};

bool haveTool(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

fs::path scratchDir() {
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("kiln_reader_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  return dir;
}

Bytes readFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Assembled assemble(const std::string& wat, const std::string& flags = "") {
  Assembled out;
  if (!haveTool("wat2wasm")) {
    out.toolMissing = true;
    return out;
  }
  const fs::path dir = scratchDir();
  {
    std::ofstream(dir / "m.wat") << wat;
  }
  const std::string cmd = "wat2wasm " + flags + " '" + (dir / "m.wat").string() + "' -o '" + (dir / "m.wasm").string() +
                          "' 2> '" + (dir / "err.txt").string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream err(dir / "err.txt");
    out.error = "wat2wasm failed: " + std::string((std::istreambuf_iterator<char>(err)), {});
  } else {
    out.bytes = readFile(dir / "m.wasm");
  }
  fs::remove_all(dir);
  return out;
}

#define ASSEMBLE_OR_SKIP(var, wat, flags)                                          \
  const Assembled var##_a = assemble(wat, flags);                                   \
  if (var##_a.toolMissing) GTEST_SKIP() << "wat2wasm not found (Debian: apt-get install wabt)"; \
  ASSERT_TRUE(var##_a.error.empty()) << var##_a.error;                              \
  const Bytes& var = var##_a.bytes

TEST(ReaderWat, ModuleWithEverything) {
  const char* wat = R"((module $demo
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global $g i32))
  (table $t 4 funcref)
  (global $counter (mut i64) (i64.const 42))
  (export "add" (func $add))
  (export "counter" (global $counter))
  (elem (table $t) (i32.const 0) func $add $sub)
  (elem declare func $log)
  (data (i32.const 16) "hello")
  (data $passive "world")
  (func $add (type $binop) (local.get 0) (local.get 1) (i32.add))
  (func $sub (type $binop) (local $tmp f64)
    (block $out (result i32)
      (br_table $out $out (local.get 0) (local.get 1)))
    (drop)
    (i32.sub (local.get 0) (local.get 1)))
  (func $bulk
    (memory.init $passive (i32.const 0) (i32.const 0) (i32.const 5))
    (data.drop $passive)
    (call_indirect $t (type $binop) (i32.const 1) (i32.const 2) (i32.const 0))
    (call $log)
    (drop (ref.func $log)))
  (start $bulk)
))";
  ASSEMBLE_OR_SKIP(bytes, wat, "--debug-names");
  const Module m = decode(bytes);
  EXPECT_EQ(m.moduleName, "demo");
  EXPECT_EQ(m.numImportedFuncs, 1u);
  EXPECT_EQ(m.numImportedMemories, 1u);
  EXPECT_EQ(m.numImportedGlobals, 1u);
  ASSERT_EQ(m.funcTypes.size(), 4u);
  ASSERT_EQ(m.bodies.size(), 3u);
  EXPECT_EQ(m.memories[0].limits.max, 2u);
  EXPECT_EQ(m.globals[1].init.kind, ConstExpr::Kind::I64Const);
  EXPECT_EQ(m.globals[1].init.bits, 42u);
  ASSERT_EQ(m.elems.size(), 2u);
  EXPECT_EQ(m.elems[0].items.size(), 2u);
  EXPECT_EQ(m.elems[1].mode, SegmentMode::Declarative);
  ASSERT_EQ(m.datas.size(), 2u);
  EXPECT_EQ(m.datas[0].bytes, (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(m.datas[1].mode, SegmentMode::Passive);
  ASSERT_TRUE(m.dataCount);  // wat2wasm adds it for memory.init
  EXPECT_EQ(*m.dataCount, 2u);
  ASSERT_TRUE(m.start);
  EXPECT_EQ(*m.start, 3u);
  EXPECT_EQ(m.displayFuncName(0), "log");
  EXPECT_EQ(m.displayFuncName(1), "add");
  EXPECT_EQ(m.displayFuncName(2), "sub");
  EXPECT_EQ(m.bodies[1].locals, std::vector<ValType>{ValType::F64});
  EXPECT_EQ(ops(m.bodies[0]),
            (std::vector<Opcode>{Opcode::LocalGet, Opcode::LocalGet, Opcode::I32Add, Opcode::End}));
  // br_table $out $out: one target plus the default.
  bool sawBrTable = false;
  for (const Instr& in : m.bodies[1].code) {
    if (in.op != Opcode::BrTable) continue;
    sawBrTable = true;
    EXPECT_EQ(in.index2, 2u);
    EXPECT_EQ(m.bodies[1].brTargets[in.index], 0u);
  }
  EXPECT_TRUE(sawBrTable);
  // Every instruction's offset points at its opcode byte in the file.
  for (const FunctionBody& b : m.bodies) {
    for (const Instr& in : b.code) {
      const OpcodeInfo& info = opcodeInfo(in.op);
      ASSERT_LT(in.offsetInFile, bytes.size());
      EXPECT_EQ(bytes[in.offsetInFile], info.prefix ? info.prefix : info.code) << info.text;
    }
  }
}

TEST(ReaderWat, WithoutNameSectionFallsBackToExports) {
  ASSEMBLE_OR_SKIP(bytes, R"((module (func) (func (export "second")) (func)))", "");
  const Module m = decode(bytes);
  EXPECT_TRUE(m.funcNames.empty());
  EXPECT_EQ(m.displayFuncName(0), "func[0]");
  EXPECT_EQ(m.displayFuncName(1), "second");
}

TEST(ReaderWat, EverySimdInstructionMatchesWabtsEncoding) {
  // Assemble every SIMD instruction by its text name and check the decoder
  // maps wabt's encoding back to the same opcode.
  std::string wat = "(module (memory 1) (func\n";
  std::vector<Opcode> expected;
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count_); ++i) {
    const Opcode op = static_cast<Opcode>(i);
    const OpcodeInfo& info = opcodeInfo(op);
    if (info.prefix != 0xFD) continue;
    wat += std::string(info.text);
    if (info.imm == Imm::Lane || info.imm == Imm::MemArgLane) wat += " 1";
    if (info.imm == Imm::V128) wat += " i64x2 1 2";
    if (info.imm == Imm::Shuffle) wat += " 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15";
    wat += "\n";
    expected.push_back(op);
  }
  wat += "))\n";
  ASSEMBLE_OR_SKIP(bytes, wat, "--no-check");
  const Module m = decode(bytes);
  ASSERT_EQ(m.bodies.size(), 1u);
  expected.push_back(Opcode::End);
  EXPECT_EQ(ops(m.bodies[0]), expected);
  for (const Instr& in : m.bodies[0].code) {
    const Imm imm = opcodeInfo(in.op).imm;
    if (imm == Imm::Lane || imm == Imm::MemArgLane) {
      EXPECT_EQ(in.lane, 1) << opcodeName(in.op);
    }
  }
}

// ---------------------------------------------------------------------------
// Binary modules of the spec test suite (wast2json at test time).

struct SpecCommand {
  std::string type, filename, text;
};

// The string value of "key" in one line of wast2json output (which writes one
// command per line), with JSON escapes left as they are.
std::string jsonField(const std::string& line, const std::string& key) {
  const std::string start = "\"" + key + "\": \"";
  size_t i = line.find(start);
  if (i == std::string::npos) return "";
  i += start.size();
  std::string value;
  for (; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) value += line[i++];
    value += line[i];
  }
  return value;
}

std::vector<SpecCommand> readCommands(const fs::path& json) {
  std::vector<SpecCommand> out;
  std::ifstream in(json);
  std::string line;
  while (std::getline(in, line)) {
    SpecCommand c{jsonField(line, "type"), jsonField(line, "filename"), jsonField(line, "text")};
    if (!c.type.empty() && !c.filename.empty()) out.push_back(c);
  }
  return out;
}

class SpecBinaryModules : public ::testing::TestWithParam<std::string> {};

TEST_P(SpecBinaryModules, DecodeAsTheSpecExpects) {
  const fs::path wast = fs::path(KILN_SOURCE_DIR) / ".." / "shared" / "wasm-testsuite" / "core" / (GetParam() + ".wast");
  if (!fs::exists(wast)) GTEST_SKIP() << "spec test suite not found at " << wast;
  if (!haveTool("wast2json")) GTEST_SKIP() << "wast2json not found (Debian: apt-get install wabt)";
  const fs::path dir = scratchDir();
  const fs::path json = dir / (GetParam() + ".json");
  ASSERT_EQ(std::system(("wast2json '" + wast.string() + "' -o '" + json.string() + "'").c_str()), 0);
  int modules = 0, malformed = 0;
  for (const SpecCommand& c : readCommands(json)) {
    if (!c.filename.ends_with(".wasm")) continue;  // text-format modules
    const Bytes bytes = readFile(dir / c.filename);
    if (c.type == "module") {
      ++modules;
      EXPECT_NO_THROW(readModule(bytes)) << c.filename;
    } else if (c.type == "assert_malformed") {
      ++malformed;
      try {
        readModule(bytes);
        ADD_FAILURE() << c.filename << " accepted, expected \"" << c.text << "\"";
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::Malformed) << c.filename << ": " << e.describe();
        EXPECT_TRUE(std::string_view(e.what()).starts_with(c.text))
            << c.filename << ": " << e.describe() << ", expected \"" << c.text << "\"";
      }
    } else if (c.type == "assert_invalid") {
      try {
        readModule(bytes);
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::Invalid) << c.filename << ": " << e.describe();
      }
    }
  }
  EXPECT_GT(modules + malformed, 0);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Core, SpecBinaryModules,
                         ::testing::Values("binary", "binary-leb128", "custom", "utf8-custom-section-id",
                                           "utf8-import-field", "utf8-import-module",
                                           "select", "memory_init", "data", "elem", "global", "simd_const",
                                           "simd_lane"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace kiln::wasm
