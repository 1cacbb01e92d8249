// The WebAssembly 2.0 binary decoder.
//
// The decoder reads the module with one cursor over the whole file, the way
// the spec's reference interpreter does: a section's (or function body's)
// contents are decoded and *then* compared with its declared size. A count
// that promises more items than the section holds therefore runs into the
// next section's bytes (or the end of the file) and fails there, with the
// same message the spec test suite expects ("section size mismatch",
// "length out of bounds", "unexpected end of section or function", "END
// opcode expected"...). Every read is checked against the end of the file,
// and no vector is sized from a count before the bytes behind it are read.
//
// Problems the spec classifies as validation errors but that this decoder
// must catch because Module cannot represent them (a constant expression that
// is not a single constant instruction, `select` with other than one type)
// are recorded and thrown as Kind::Invalid once the whole module has decoded,
// so that a malformed module is always reported as malformed.

#include "wasm/reader.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wasm/error.h"
#include "wasm/leb128.h"

namespace kiln::wasm {

namespace {

// Implementation limit on the locals of one function (besides its
// parameters), as in V8 and wasmparser. The binary format allows up to
// 2^32-1, which we could not expand into FunctionBody::locals.
constexpr uint64_t kMaxFunctionLocals = 50000;

// The other implementation limits, those V8 and the JS API publish: a module
// past one is refused with one line (malformed, like the locals' limit)
// before it costs memory or compile time.
constexpr uint32_t kMaxTypes = 1'000'000;
constexpr uint32_t kMaxParams = 1'000;
constexpr uint32_t kMaxResults = 1'000;
constexpr uint32_t kMaxImports = 100'000;
constexpr uint32_t kMaxExports = 100'000;
constexpr uint32_t kMaxFunctions = 1'000'000;
constexpr uint32_t kMaxGlobals = 1'000'000;
constexpr uint32_t kMaxTables = 100'000;
constexpr uint32_t kMaxElemSegments = 10'000'000;
constexpr uint32_t kMaxDataSegments = 100'000;
constexpr uint32_t kMaxFunctionSize = 7'654'321;  // bytes of one body
constexpr uint32_t kMaxBrTableTargets = 65'520;

// ---------------------------------------------------------------------------
// Opcode lookup, expanded from opcodes.def.

struct OpcodeTables {
  std::array<int16_t, 256> single{};
  std::array<int16_t, 256> fc{};  // 0xFC sub-opcodes (all below 256 in 2.0)
  std::array<int16_t, 256> fd{};  // 0xFD sub-opcodes (all below 256 in 2.0)
};

constexpr OpcodeTables kOpcodeTables = [] {
  OpcodeTables t{};
  t.single.fill(-1);
  t.fc.fill(-1);
  t.fd.fill(-1);
  int16_t next = 0;
  auto add = [&](unsigned prefix, unsigned code) {
    const int16_t op = next++;
    if (code > 0xFF) return;  // not decodable with these tables (none in 2.0)
    if (prefix == 0x00) t.single[code] = op;
    else if (prefix == 0xFC) t.fc[code] = op;
    else if (prefix == 0xFD) t.fd[code] = op;
  };
#define KILN_OP(name, prefix, code, text, imm, sig) add(prefix, code);
#include "wasm/opcodes.def"
#undef KILN_OP
  return t;
}();

bool isConstantInstr(Opcode op) {
  switch (op) {
    case Opcode::I32Const:
    case Opcode::I64Const:
    case Opcode::F32Const:
    case Opcode::F64Const:
    case Opcode::V128Const:
    case Opcode::RefNull:
    case Opcode::RefFunc:
    case Opcode::GlobalGet:
      return true;
    default:
      return false;
  }
}

// UTF-8 as the spec defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF.
bool isValidUtf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

std::string hexByte(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

// ---------------------------------------------------------------------------
// A cursor over bytes with the binary format's primitive readers. Errors
// carry the offset in those bytes.

class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> in) : in_(in) {}

  size_t pos() const { return pos_; }
  size_t size() const { return in_.size(); }
  bool atEnd() const { return pos_ >= in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  [[noreturn]] void fail(size_t at, const std::string& message) const {
    throw Error(Error::Kind::Malformed, at, message);
  }
  [[noreturn]] void unexpectedEnd() const { fail(in_.size(), "unexpected end of section or function"); }

  uint8_t peek() const {
    if (atEnd()) unexpectedEnd();
    return in_[pos_];
  }
  uint8_t u8() {
    if (atEnd()) unexpectedEnd();
    return in_[pos_++];
  }
  void skip(size_t n) {
    if (n > remaining()) unexpectedEnd();
    pos_ += n;
  }
  const uint8_t* bytes(size_t n) {
    if (n > remaining()) unexpectedEnd();
    const uint8_t* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }

  uint32_t u32() { return static_cast<uint32_t>(check(leb128::readUnsigned(in_, pos_, 32))); }
  bool u1() { return check(leb128::readUnsigned(in_, pos_, 1)) != 0; }
  int32_t s32() { return static_cast<int32_t>(check(leb128::readSigned(in_, pos_, 32))); }
  int64_t s33() { return check(leb128::readSigned(in_, pos_, 33)); }
  int64_t s64() { return check(leb128::readSigned(in_, pos_, 64)); }
  int64_t s7() { return check(leb128::readSigned(in_, pos_, 7)); }

  uint32_t f32Bits() {
    const uint8_t* p = bytes(4);
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  uint64_t f64Bits() {
    const uint8_t* p = bytes(8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }

  // A length or count: a u32 that cannot exceed what is left of the input
  // (counted, as the reference interpreter does, from the start of the
  // length itself).
  uint32_t len32() {
    const size_t start = pos_;
    const uint32_t n = u32();
    if (n > in_.size() - start)
      fail(start, "length out of bounds: " + std::to_string(n) + " declared, " + std::to_string(in_.size() - pos_) +
                      " bytes left");
    return n;
  }

  std::string name() {
    const size_t start = pos_;
    const uint32_t n = len32();
    const uint8_t* p = bytes(n);
    if (!isValidUtf8(p, n)) fail(start, "malformed UTF-8 encoding");
    return std::string(reinterpret_cast<const char*>(p), n);
  }

  ValType valType() {
    const size_t start = pos_;
    switch (s7()) {
      case -0x01: return ValType::I32;
      case -0x02: return ValType::I64;
      case -0x03: return ValType::F32;
      case -0x04: return ValType::F64;
      case -0x05: return ValType::V128;
      case -0x10: return ValType::FuncRef;
      case -0x11: return ValType::ExternRef;
      default: fail(start, "malformed value type: found " + hexByte(in_[start]));
    }
  }

  ValType refType() {
    const size_t start = pos_;
    switch (s7()) {
      case -0x10: return ValType::FuncRef;
      case -0x11: return ValType::ExternRef;
      default:
        fail(start, "malformed reference type: found " + hexByte(in_[start]) +
                        ", expected funcref (0x70) or externref (0x6f)");
    }
  }

 protected:
  template <typename T>
  T check(const leb128::Result<T>& r) const {
    if (r.ok()) return r.value;
    if (r.status == leb128::Status::UnexpectedEnd) unexpectedEnd();
    fail(r.errorOffset, std::string(leb128::statusMessage(r.status)));
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// The `name` custom section. Any problem makes us drop the whole section
// (the module stays well-formed): names are a debugging aid.

struct Names {
  std::string moduleName;
  std::unordered_map<uint32_t, std::string> funcNames;
};

std::optional<Names> parseNameSection(std::span<const uint8_t> payload) {
  try {
    Cursor c(payload);
    Names names;
    int lastId = -1;
    while (!c.atEnd()) {
      const uint8_t id = c.u8();
      if (static_cast<int>(id) <= lastId) return std::nullopt;  // out of order or repeated
      lastId = id;
      const uint32_t size = c.len32();
      if (size > c.remaining()) return std::nullopt;
      const size_t end = c.pos() + size;
      if (id == 0) {
        names.moduleName = c.name();
      } else if (id == 1) {
        const uint32_t count = c.len32();
        std::optional<uint32_t> prev;
        for (uint32_t i = 0; i < count; ++i) {
          const uint32_t index = c.u32();
          if (prev && index <= *prev) return std::nullopt;  // indices must increase
          prev = index;
          names.funcNames[index] = c.name();
        }
      } else {
        c.skip(size);  // local names and any other subsection: not used
      }
      if (c.pos() != end) return std::nullopt;
    }
    return names;
  } catch (const Error&) {
    return std::nullopt;
  }
}

// ---------------------------------------------------------------------------
// The module reader.

enum class SectionId : uint8_t {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
};

// Position of each section id in the required order (DataCount sits between
// Element and Code).
std::string_view sectionName(uint8_t id) {
  static constexpr std::string_view kNames[13] = {"custom", "type",   "import", "function", "table", "memory",    "global",
                                                  "export", "start",  "element", "code",    "data",  "data count"};
  return id < 13 ? kNames[id] : "unknown";
}

int sectionRank(uint8_t id) {
  static constexpr int kRank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return kRank[id];
}

class Reader : public Cursor {
  enum Frame : uint8_t { kBlock, kIf, kElse };

 public:
  explicit Reader(std::span<const uint8_t> bytes) : Cursor(bytes) {}

  Module read() {
    if (size() > UINT32_MAX) fail(0, "module too large: more than 4 GiB");
    readHeader();
    int lastRank = 0;
    while (!atEnd()) {
      const size_t idAt = pos();
      const uint8_t id = in_[pos_];
      if (id > static_cast<uint8_t>(SectionId::DataCount))
        fail(idAt, "malformed section id: found " + std::to_string(id) + ", expected 0 to 12");
      if (id != 0) {
        const int rank = sectionRank(id);
        if (rank <= lastRank)
          fail(idAt, "unexpected content after last section: the " + std::string(sectionName(id)) +
                         " section is out of order or repeated");
        lastRank = rank;
      }
      ++pos_;
      const uint32_t sectionSize = len32();
      const size_t start = pos();
      readSection(static_cast<SectionId>(id), start, sectionSize);
      if (pos() != start + sectionSize)
        fail(start, "section size mismatch: the " + std::string(sectionName(id)) + " section declares " +
                        std::to_string(sectionSize) + " bytes, its contents take " + std::to_string(pos() - start));
    }
    finish();
    return std::move(m_);
  }

 private:
  void readHeader() {
    if (size() < 4) unexpectedEnd();
    static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
    if (std::memcmp(in_.data(), kMagic, 4) != 0) fail(0, "magic header not detected: expected \\0asm");
    if (size() < 8) unexpectedEnd();
    static constexpr uint8_t kVersion[4] = {0x01, 0x00, 0x00, 0x00};
    if (std::memcmp(in_.data() + 4, kVersion, 4) != 0) {
      const uint32_t version = uint32_t{in_[4]} | uint32_t{in_[5]} << 8 | uint32_t{in_[6]} << 16 | uint32_t{in_[7]} << 24;
      fail(4, "unknown binary version: found " + std::to_string(version) + ", expected 1");
    }
    pos_ = 8;
  }

  void readSection(SectionId id, size_t start, uint32_t sectionSize) {
    switch (id) {
      case SectionId::Custom: readCustomSection(start, sectionSize); break;
      case SectionId::Type: readTypeSection(); break;
      case SectionId::Import: readImportSection(); break;
      case SectionId::Function: readFunctionSection(); break;
      case SectionId::Table: readVec(kMaxTables, "tables", [&] { m_.tables.push_back(tableType()); }); break;
      case SectionId::Memory: readVec([&] { m_.memories.push_back(memoryType()); }); break;
      case SectionId::Global: readGlobalSection(); break;
      case SectionId::Export: readExportSection(); break;
      case SectionId::Start: m_.start = u32(); break;
      case SectionId::Element: readVec(kMaxElemSegments, "element segments", [&] { readElemSegment(); }); break;
      case SectionId::Code: readCodeSection(); break;
      case SectionId::Data:
        dataSectionAt_ = pos();
        readVec(kMaxDataSegments, "data segments", [&] { readDataSegment(); });
        break;
      case SectionId::DataCount: m_.dataCount = u32(); break;
    }
  }

  // Module-level checks that the reference interpreter makes after the last
  // section, in its order, then the deferred validation errors.
  void finish() {
    if (numDeclaredFuncs_ != m_.bodies.size())
      fail(codeSectionAt_ ? *codeSectionAt_ : size(),
           "function and code section have inconsistent lengths: " + std::to_string(numDeclaredFuncs_) +
               " functions declared, " + std::to_string(m_.bodies.size()) + " bodies");
    if (m_.dataCount && *m_.dataCount != m_.datas.size())
      fail(dataSectionAt_ ? *dataSectionAt_ : size(),
           "data count and data section have inconsistent lengths: data count " + std::to_string(*m_.dataCount) +
               ", " + std::to_string(m_.datas.size()) + " data segments");
    // Without data segments every data index is out of range, which the
    // validator reports ("unknown data segment"); the spec's own tests expect
    // that validation error for such modules, so only a module that has data
    // segments is malformed for want of the data count section.
    if (!m_.dataCount && firstDataUse_ && !m_.datas.empty())
      fail(*firstDataUse_, "data count section required: memory.init and data.drop need it");
    if (deferred_) throw *deferred_;
  }

  void defer(size_t at, const std::string& message) {
    if (!deferred_) deferred_.emplace(Error::Kind::Invalid, at, message);
  }

  template <typename F>
  void readVec(F&& item) {
    const uint32_t n = len32();
    for (uint32_t i = 0; i < n; ++i) item();
  }

  // A count checked against an implementation limit.
  uint32_t limitedCount(uint32_t limit, const char* what) {
    const size_t at = pos();
    const uint32_t n = len32();
    if (n > limit)
      fail(at, std::string("too many ") + what + ": " + std::to_string(n) + " exceeds the implementation limit of " +
                   std::to_string(limit));
    return n;
  }

  template <typename F>
  void readVec(uint32_t limit, const char* what, F&& item) {
    const uint32_t n = limitedCount(limit, what);
    for (uint32_t i = 0; i < n; ++i) item();
  }

  // --- Types -----------------------------------------------------------------

  Limits limits() {
    Limits l;
    const bool hasMax = u1();
    l.min = u32();
    if (hasMax) l.max = u32();
    return l;
  }

  TableType tableType() {
    TableType t;
    t.elemType = refType();
    t.limits = limits();
    return t;
  }

  MemoryType memoryType() { return MemoryType{limits()}; }

  GlobalType globalType() {
    GlobalType g;
    g.type = valType();
    const uint8_t mut = u8();
    if (mut > 1) fail(pos() - 1, "malformed mutability: found " + hexByte(mut) + ", expected 0 or 1");
    g.isMutable = mut == 1;
    return g;
  }

  void readTypeSection() {
    readVec(kMaxTypes, "types", [&] {
      const size_t at = pos();
      if (s7() != -0x20) fail(at, "malformed function type: found " + hexByte(in_[at]) + ", expected 0x60");
      FuncType ft;
      readVec(kMaxParams, "function parameters", [&] { ft.params.push_back(valType()); });
      readVec(kMaxResults, "function results", [&] { ft.results.push_back(valType()); });
      m_.types.push_back(std::move(ft));
    });
  }

  // --- Imports, functions, globals, exports ------------------------------------

  void readImportSection() {
    readVec(kMaxImports, "imports", [&] {
      Import imp;
      imp.module = name();
      imp.name = name();
      const uint8_t kind = u8();
      switch (kind) {
        case 0x00:
          imp.kind = ExternKind::Func;
          imp.funcTypeIndex = u32();
          m_.funcTypes.push_back(imp.funcTypeIndex);
          ++m_.numImportedFuncs;
          break;
        case 0x01:
          imp.kind = ExternKind::Table;
          imp.table = tableType();
          m_.tables.push_back(imp.table);
          ++m_.numImportedTables;
          break;
        case 0x02:
          imp.kind = ExternKind::Memory;
          imp.memory = memoryType();
          m_.memories.push_back(imp.memory);
          ++m_.numImportedMemories;
          break;
        case 0x03:
          imp.kind = ExternKind::Global;
          imp.global = globalType();
          m_.globals.push_back(Global{imp.global, ConstExpr{}});
          ++m_.numImportedGlobals;
          break;
        default:
          fail(pos() - 1, "malformed import kind: found " + hexByte(kind) + ", expected 0 to 3");
      }
      m_.imports.push_back(std::move(imp));
    });
  }

  void readFunctionSection() {
    readVec(kMaxFunctions, "functions", [&] {
      m_.funcTypes.push_back(u32());
      ++numDeclaredFuncs_;
    });
  }

  void readGlobalSection() {
    readVec(kMaxGlobals, "globals", [&] {
      Global g;
      g.type = globalType();
      g.init = constExpr();
      m_.globals.push_back(std::move(g));
    });
  }

  void readExportSection() {
    readVec(kMaxExports, "exports", [&] {
      Export e;
      e.name = name();
      const uint8_t kind = u8();
      if (kind > 3) fail(pos() - 1, "malformed export kind: found " + hexByte(kind) + ", expected 0 to 3");
      e.kind = static_cast<ExternKind>(kind);
      e.index = u32();
      m_.exports.push_back(std::move(e));
    });
  }

  // --- Segments ----------------------------------------------------------------

  void readElemSegment() {
    const size_t flagsAt = pos();
    const uint32_t flags = u32();
    if (flags > 7)
      fail(flagsAt, "malformed elements segment kind: found " + std::to_string(flags) + ", expected 0 to 7");
    ElemSegment seg;
    const bool usesExprs = (flags & 4) != 0;
    if ((flags & 1) == 0) {
      seg.mode = SegmentMode::Active;
      if (flags & 2) seg.tableIndex = u32();
      seg.offset = constExpr();
    } else {
      seg.mode = (flags & 2) ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    if ((flags & 3) != 0) {
      if (usesExprs) {
        seg.elemType = refType();
      } else {
        if (const uint8_t kind = u8(); kind != 0x00)
          fail(pos() - 1, "malformed element kind: found " + hexByte(kind) + ", expected 0 (funcref)");
        seg.elemType = ValType::FuncRef;
      }
    }
    readVec([&] {
      if (usesExprs) {
        seg.items.push_back(constExpr());
      } else {
        ConstExpr e;
        e.offsetInFile = static_cast<uint32_t>(pos());
        e.kind = ConstExpr::Kind::RefFunc;
        e.index = u32();
        seg.items.push_back(e);
      }
    });
    m_.elems.push_back(std::move(seg));
  }

  void readDataSegment() {
    const size_t flagsAt = pos();
    const uint32_t flags = u32();
    DataSegment seg;
    switch (flags) {
      case 0: seg.offset = constExpr(); break;
      case 1: seg.mode = SegmentMode::Passive; break;
      case 2:
        seg.memoryIndex = u32();
        seg.offset = constExpr();
        break;
      default:
        fail(flagsAt, "malformed data segment kind: found " + std::to_string(flags) + ", expected 0 to 2");
    }
    const uint32_t n = len32();
    const uint8_t* p = bytes(n);
    seg.bytes.assign(p, p + n);
    m_.datas.push_back(std::move(seg));
  }

  // --- Code --------------------------------------------------------------------

  void readCodeSection() {
    codeSectionAt_ = pos();
    readVec(kMaxFunctions, "function bodies", [&] {
      FunctionBody body;
      body.offsetInFile = static_cast<uint32_t>(pos());
      const uint32_t bodySize = len32();
      const size_t start = pos();
      if (bodySize > kMaxFunctionSize)
        fail(body.offsetInFile, "function body too large: " + std::to_string(bodySize) +
                                    " bytes exceeds the implementation limit of " + std::to_string(kMaxFunctionSize));
      readLocals(body);
      decodeExpr(body, /*inFunction=*/true);
      if (pos() != start + bodySize)
        fail(start, "section size mismatch: the function body declares " + std::to_string(bodySize) +
                        " bytes, its code takes " + std::to_string(pos() - start));
      m_.bodies.push_back(std::move(body));
    });
  }

  void readLocals(FunctionBody& body) {
    const size_t at = pos();
    std::vector<std::pair<uint32_t, ValType>> groups;
    uint64_t total = 0;
    readVec([&] {
      const uint32_t n = u32();
      const ValType t = valType();
      total += n;
      groups.emplace_back(n, t);
    });
    if (total > UINT32_MAX) fail(at, "too many locals");
    if (total > kMaxFunctionLocals)
      fail(at, "too many locals: " + std::to_string(total) + " exceeds the implementation limit of " +
                   std::to_string(kMaxFunctionLocals));
    body.locals.reserve(total);
    for (const auto& [n, t] : groups) body.locals.insert(body.locals.end(), n, t);
  }

  // A constant expression: instructions up to the closing `end`. 2.0 allows
  // exactly one constant instruction; anything else is a validation error.
  ConstExpr constExpr() {
    ConstExpr e;
    e.offsetInFile = static_cast<uint32_t>(pos());
    scratch_.code.clear();
    scratch_.brTargets.clear();
    scratch_.v128Consts.clear();
    decodeExpr(scratch_, /*inFunction=*/false);
    const std::vector<Instr>& code = scratch_.code;
    for (size_t i = 0; i + 1 < code.size(); ++i) {
      if (!isConstantInstr(code[i].op)) {
        defer(code[i].offsetInFile, "constant expression required: " + std::string(opcodeName(code[i].op)) +
                                        " is not a constant instruction");
        return e;
      }
    }
    if (code.size() != 2) {
      defer(code.back().offsetInFile, code.size() < 2 ? "type mismatch: empty constant expression"
                                                      : "type mismatch: constant expression has " +
                                                            std::to_string(code.size() - 1) +
                                                            " instructions, expected one");
      return e;
    }
    const Instr& in = code[0];
    switch (in.op) {
      case Opcode::I32Const:
        e.kind = ConstExpr::Kind::I32Const;
        e.bits = in.value & 0xFFFFFFFFu;
        break;
      case Opcode::I64Const: e.kind = ConstExpr::Kind::I64Const; e.bits = in.value; break;
      case Opcode::F32Const: e.kind = ConstExpr::Kind::F32Const; e.bits = in.value; break;
      case Opcode::F64Const: e.kind = ConstExpr::Kind::F64Const; e.bits = in.value; break;
      case Opcode::V128Const: {
        e.kind = ConstExpr::Kind::V128Const;
        const auto& v = scratch_.v128Consts[in.index];
        for (int i = 7; i >= 0; --i) e.bits = (e.bits << 8) | v[i];
        for (int i = 15; i >= 8; --i) e.bitsHigh = (e.bitsHigh << 8) | v[i];
        break;
      }
      case Opcode::RefNull: e.kind = ConstExpr::Kind::RefNull; e.refType = in.valType; break;
      case Opcode::RefFunc: e.kind = ConstExpr::Kind::RefFunc; e.index = in.index; break;
      case Opcode::GlobalGet: e.kind = ConstExpr::Kind::GlobalGet; e.index = in.index; break;
      default: break;  // not reached: checked above
    }
    e.offsetInFile = in.offsetInFile;
    return e;
  }

  uint8_t zeroByte() {
    const uint8_t b = u8();
    if (b != 0) fail(pos() - 1, "zero byte expected: found " + hexByte(b));
    return 0;
  }

  std::array<uint8_t, 16> bytes16() {
    std::array<uint8_t, 16> v;
    std::memcpy(v.data(), bytes(16), 16);
    return v;
  }

  void memArg(Instr& in) {
    const uint32_t align = u32();
    // The validator checks the alignment against the access width; keep an
    // over-large one over-large rather than truncating it into range.
    in.align = static_cast<uint8_t>(std::min<uint32_t>(align, 0xFF));
    in.value = u32();
    in.index = 0;
  }

  BlockType blockType() {
    BlockType bt;
    const size_t at = pos();
    const uint8_t b = peek();
    if (b == 0x40) {
      ++pos_;
    } else if ((b & 0xC0) == 0x40) {
      bt.kind = BlockType::Kind::Value;
      bt.value = valType();
    } else {
      const int64_t x = s33();
      if (x < 0) fail(at, "malformed block type: negative type index " + std::to_string(x));
      bt.kind = BlockType::Kind::TypeIndex;
      bt.typeIndex = static_cast<uint32_t>(x);
    }
    return bt;
  }

  // Decodes instructions into out up to and including the `end` that closes
  // the expression (a function body or a constant expression). Nesting is
  // tracked only to find that `end` and to place `else` correctly.
  void decodeExpr(FunctionBody& out, bool inFunction) {
    std::vector<Frame>& frames = frames_;
    frames.clear();
    for (;;) {
      const size_t at = pos();
      const uint8_t b = u8();
      int16_t opIndex;
      if (b == 0xFC || b == 0xFD) {
        const uint32_t sub = u32();
        const auto& table = b == 0xFC ? kOpcodeTables.fc : kOpcodeTables.fd;
        opIndex = sub < table.size() ? table[sub] : -1;
        if (opIndex < 0) fail(at, "illegal opcode " + hexByte(b) + " " + hexByte(sub));
      } else {
        opIndex = kOpcodeTables.single[b];
        if (opIndex < 0) fail(at, "illegal opcode " + hexByte(b));
      }
      Instr in;
      in.op = static_cast<Opcode>(opIndex);
      in.offsetInFile = static_cast<uint32_t>(at);

      switch (in.op) {
        case Opcode::Block:
        case Opcode::Loop:
          frames.push_back(kBlock);
          break;
        case Opcode::If:
          frames.push_back(kIf);
          break;
        case Opcode::Else:
          if (frames.empty() || frames.back() != kIf) fail(at, "END opcode expected: found else outside an if");
          frames.back() = kElse;
          break;
        case Opcode::End:
          if (frames.empty()) {
            out.code.push_back(in);
            return;
          }
          frames.pop_back();
          break;
        case Opcode::MemoryInit:
        case Opcode::DataDrop:
          if (inFunction && !firstDataUse_) firstDataUse_ = at;
          break;
        default:
          break;
      }

      switch (opcodeInfo(in.op).imm) {
        case Imm::None: break;
        case Imm::BlockType: in.blockType = blockType(); break;
        case Imm::Label:
        case Imm::Func:
        case Imm::Local:
        case Imm::Global:
        case Imm::Table:
        case Imm::Data:
        case Imm::Elem:
          in.index = u32();
          break;
        case Imm::BrTable: {
          const uint32_t n = limitedCount(kMaxBrTableTargets, "br_table targets");
          in.index = static_cast<uint32_t>(out.brTargets.size());
          for (uint32_t i = 0; i < n; ++i) out.brTargets.push_back(u32());
          out.brTargets.push_back(u32());  // default
          in.index2 = n + 1;
          break;
        }
        case Imm::CallIndirect:
          in.index = u32();   // type
          in.index2 = u32();  // table
          break;
        case Imm::MemArg: memArg(in); break;
        case Imm::Mem: in.index = zeroByte(); break;
        case Imm::I32: in.value = static_cast<uint64_t>(static_cast<int64_t>(s32())); break;
        case Imm::I64: in.value = static_cast<uint64_t>(s64()); break;
        case Imm::F32: in.value = f32Bits(); break;
        case Imm::F64: in.value = f64Bits(); break;
        case Imm::V128:
        case Imm::Shuffle:
          in.index = static_cast<uint32_t>(out.v128Consts.size());
          out.v128Consts.push_back(bytes16());
          break;
        case Imm::SelectT: {
          const uint32_t n = len32();
          if (n != 1) defer(at, "invalid result arity: select must have exactly one result type, has " +
                                    std::to_string(n));
          for (uint32_t i = 0; i < n; ++i) {
            const ValType t = valType();
            if (i == 0) in.valType = t;
          }
          break;
        }
        case Imm::RefType: in.valType = refType(); break;
        case Imm::MemoryInit:
          in.index = u32();
          in.index2 = zeroByte();
          break;
        case Imm::MemoryCopy:
          in.index = zeroByte();
          in.index2 = zeroByte();
          break;
        case Imm::TableInit:
          in.index = u32();   // element segment
          in.index2 = u32();  // table
          break;
        case Imm::TableCopy:
          in.index = u32();   // destination
          in.index2 = u32();  // source
          break;
        case Imm::Lane: in.lane = u8(); break;
        case Imm::MemArgLane:
          memArg(in);
          in.lane = u8();
          break;
      }
      out.code.push_back(in);
    }
  }

  // --- Custom sections ---------------------------------------------------------

  void readCustomSection(size_t start, uint32_t sectionSize) {
    const std::string sectionName = name();
    const size_t end = start + sectionSize;
    if (pos() > end) fail(end, "unexpected end of section or function");  // the name overran the section
    if (end > size()) unexpectedEnd();
    if (sectionName == "name") {
      if (auto names = parseNameSection(in_.subspan(pos(), end - pos()))) {
        m_.moduleName = std::move(names->moduleName);
        m_.funcNames = std::move(names->funcNames);
      }
    }
    pos_ = end;
  }

  Module m_;
  uint32_t numDeclaredFuncs_ = 0;
  std::optional<size_t> codeSectionAt_;
  std::optional<size_t> dataSectionAt_;
  std::optional<size_t> firstDataUse_;  // first memory.init / data.drop in a function
  std::optional<Error> deferred_;       // first validation error found while decoding
  FunctionBody scratch_;                // constant expressions are decoded here
  std::vector<Frame> frames_;            // open blocks while decoding an expression
};

}  // namespace

Module readModule(std::span<const uint8_t> bytes) { return Reader(bytes).read(); }

}  // namespace kiln::wasm
