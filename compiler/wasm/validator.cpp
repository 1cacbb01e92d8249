// The WebAssembly 2.0 validator: the module-level rules of the spec's
// "Modules" validation chapter, and for every function body the appendix's
// validation algorithm (an operand stack of value types, with Unknown for the
// polymorphic stack after unreachable/br/return, and a stack of control
// frames). Instructions whose typing is fixed are typed from the signature
// strings of opcodes.def; the rest (control, variables, references, tables)
// by hand below.
//
// Messages start with the phrase the spec test suite's assert_invalid
// commands expect ("type mismatch", "unknown local", ...), followed by
// details after a colon.

#include "wasm/validator.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "wasm/error.h"

namespace kiln::wasm {
namespace {

[[noreturn]] void fail(uint64_t offset, const std::string& message) {
  throw Error(Error::Kind::Invalid, offset, message);
}

// An entry of the operand stack: a value type, or Unknown (the bottom of a
// polymorphic stack yields Unknown, which matches any type).
using Operand = uint8_t;
constexpr Operand kUnknown = 0;
constexpr Operand operand(ValType t) { return static_cast<Operand>(t); }

std::string_view typeName(Operand o) {
  return o == kUnknown ? "unknown" : valTypeName(static_cast<ValType>(o));
}

std::string typeName(ValType t) { return std::string(typeName(operand(t))); }

std::string typeList(std::span<const ValType> types) {
  std::string s = "[";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) s += ' ';
    s += typeName(types[i]);
  }
  return s + "]";
}

bool isKnownValType(ValType t) {
  switch (t) {
    case ValType::I32:
    case ValType::I64:
    case ValType::F32:
    case ValType::F64:
    case ValType::V128:
    case ValType::FuncRef:
    case ValType::ExternRef:
      return true;
  }
  return false;
}

// One-element type sequences for block types of the form `valtype`.
constexpr ValType kSingleTypes[] = {ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
                                    ValType::V128, ValType::FuncRef, ValType::ExternRef};

std::span<const ValType> singleType(ValType t) {
  for (const ValType& s : kSingleTypes)
    if (s == t) return {&s, 1};
  return {};
}

// ---------------------------------------------------------------------------
// Per-opcode typing data derived from opcodes.def, built once.

struct OpTyping {
  bool hasSignature = false;
  uint8_t numParams = 0;
  uint8_t numResults = 0;
  std::array<ValType, 4> params{};
  std::array<ValType, 2> results{};
  uint8_t naturalAlign = kNoAlign;  // log2 of the access width (MemArg, MemArgLane)
  uint8_t lanes = 0;                // lane count (Lane, MemArgLane)
  static constexpr uint8_t kNoAlign = 0xFF;
};

// Access widths (log2 bytes) of every memory instruction with a memarg, by
// its text name (names are the spec's, so this does not depend on how the
// opcode table spells its enumerators).
struct AccessWidth {
  std::string_view text;
  uint8_t log2Bytes;
};
constexpr AccessWidth kAccessWidths[] = {
    {"i32.load", 2},          {"i64.load", 3},          {"f32.load", 2},          {"f64.load", 3},
    {"i32.load8_s", 0},       {"i32.load8_u", 0},       {"i32.load16_s", 1},      {"i32.load16_u", 1},
    {"i64.load8_s", 0},       {"i64.load8_u", 0},       {"i64.load16_s", 1},      {"i64.load16_u", 1},
    {"i64.load32_s", 2},      {"i64.load32_u", 2},      {"i32.store", 2},         {"i64.store", 3},
    {"f32.store", 2},         {"f64.store", 3},         {"i32.store8", 0},        {"i32.store16", 1},
    {"i64.store8", 0},        {"i64.store16", 1},       {"i64.store32", 2},       {"v128.load", 4},
    {"v128.store", 4},        {"v128.load8x8_s", 3},    {"v128.load8x8_u", 3},    {"v128.load16x4_s", 3},
    {"v128.load16x4_u", 3},   {"v128.load32x2_s", 3},   {"v128.load32x2_u", 3},   {"v128.load8_splat", 0},
    {"v128.load16_splat", 1}, {"v128.load32_splat", 2}, {"v128.load64_splat", 3}, {"v128.load32_zero", 2},
    {"v128.load64_zero", 3},  {"v128.load8_lane", 0},   {"v128.load16_lane", 1},  {"v128.load32_lane", 2},
    {"v128.load64_lane", 3},  {"v128.store8_lane", 0},  {"v128.store16_lane", 1}, {"v128.store32_lane", 2},
    {"v128.store64_lane", 3},
};

// Lane count of a SIMD instruction with a lane immediate, from its shape prefix.
uint8_t laneCountOf(std::string_view text) {
  if (text.starts_with("i8x16.")) return 16;
  if (text.starts_with("i16x8.")) return 8;
  if (text.starts_with("i32x4.") || text.starts_with("f32x4.")) return 4;
  if (text.starts_with("i64x2.") || text.starts_with("f64x2.")) return 2;
  return 0;
}

bool letterType(char c, ValType& out) {
  switch (c) {
    case 'i': out = ValType::I32; return true;
    case 'l': out = ValType::I64; return true;
    case 'f': out = ValType::F32; return true;
    case 'd': out = ValType::F64; return true;
    case 'v': out = ValType::V128; return true;
    default: return false;
  }
}

// Parses "operands:results". A malformed signature is a bug in the opcode
// table, not in the module; it is reported when an instruction uses it.
bool parseSignature(std::string_view sig, OpTyping& t) {
  size_t colon = sig.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view ins = sig.substr(0, colon), outs = sig.substr(colon + 1);
  if (ins.size() > t.params.size() || outs.size() > t.results.size()) return false;
  for (char c : ins)
    if (!letterType(c, t.params[t.numParams++])) return false;
  for (char c : outs)
    if (!letterType(c, t.results[t.numResults++])) return false;
  return true;
}

struct OpTable {
  std::vector<OpTyping> ops;
  std::vector<bool> badSignature;
  OpTable() {
    constexpr size_t n = static_cast<size_t>(Opcode::Count_);
    ops.resize(n);
    badSignature.resize(n, false);
    for (size_t i = 0; i < n; ++i) {
      const OpcodeInfo& info = opcodeInfo(static_cast<Opcode>(i));
      OpTyping& t = ops[i];
      if (!info.signature.empty()) {
        t.hasSignature = parseSignature(info.signature, t);
        badSignature[i] = !t.hasSignature;
      }
      if (info.imm == Imm::MemArg || info.imm == Imm::MemArgLane) {
        for (const AccessWidth& a : kAccessWidths)
          if (a.text == info.text) t.naturalAlign = a.log2Bytes;
      }
      if (info.imm == Imm::Lane) t.lanes = laneCountOf(info.text);
      if (info.imm == Imm::MemArgLane && t.naturalAlign != OpTyping::kNoAlign)
        t.lanes = static_cast<uint8_t>(16 >> t.naturalAlign);
    }
  }
};

const OpTable& opTable() {
  static const OpTable table;
  return table;
}

// ---------------------------------------------------------------------------
// Module-wide context shared by all function validations.

struct Context {
  const Module& m;
  std::vector<bool> declaredFuncs;  // C.refs: functions that ref.func may name

  explicit Context(const Module& module) : m(module) {}
  size_t numFuncs() const { return m.funcTypes.size(); }
};

// ---------------------------------------------------------------------------
// Function bodies: the appendix's algorithm.

struct Frame {
  Opcode op;
  std::span<const ValType> start;
  std::span<const ValType> end;
  size_t height;
  bool unreachable;
};

class FunctionValidator {
 public:
  FunctionValidator(const Context& ctx, uint32_t funcIndex, const FunctionBody& body)
      : ctx_(ctx), m_(ctx.m), body_(body), type_(m_.funcType(funcIndex)), table_(opTable()) {}

  void run() {
    uint64_t numLocals = uint64_t(type_.params.size()) + body_.locals.size();
    if (numLocals > std::numeric_limits<uint32_t>::max())
      fail(body_.offsetInFile, "too many locals: " + std::to_string(numLocals));
    for (ValType t : body_.locals)
      if (!isKnownValType(t)) fail(body_.offsetInFile, "invalid local type");

    opds_.reserve(64);
    ctrls_.reserve(16);
    pushCtrl(Opcode::Block, {}, type_.results);

    for (const Instr& in : body_.code) {
      instr_ = &in;
      if (ctrls_.empty()) fail(in.offsetInFile, "operators remaining after the end of the function");
      validateInstr(in);
    }
    if (!ctrls_.empty()) {
      uint64_t off = body_.code.empty() ? body_.offsetInFile : body_.code.back().offsetInFile;
      fail(off, "unexpected end of function: missing end");
    }
  }

 private:
  // -- errors --------------------------------------------------------------
  [[noreturn]] void error(const std::string& message) const {
    fail(instr_ ? instr_->offsetInFile : body_.offsetInFile, message);
  }
  std::string opName() const { return instr_ ? std::string(opcodeName(instr_->op)) : std::string("function"); }

  // -- operand stack -------------------------------------------------------
  void pushVal(Operand t) { opds_.push_back(t); }
  void pushVal(ValType t) { opds_.push_back(operand(t)); }
  void pushVals(std::span<const ValType> types) {
    for (ValType t : types) pushVal(t);
  }

  // Pops one operand, which must match `expect` (kUnknown accepts anything).
  Operand popVal(Operand expect = kUnknown) {
    const Frame& f = ctrls_.back();
    Operand actual;
    if (opds_.size() == f.height) {
      if (!f.unreachable) {
        if (expect == kUnknown)
          error("type mismatch: " + opName() + " expects an operand but the stack is empty");
        error("type mismatch: " + opName() + " expects " + std::string(typeName(expect)) +
              " but the stack is empty");
      }
      actual = kUnknown;
    } else {
      actual = opds_.back();
      opds_.pop_back();
    }
    if (actual != expect && actual != kUnknown && expect != kUnknown)
      error("type mismatch: " + opName() + " expects " + std::string(typeName(expect)) + " but found " +
            std::string(typeName(actual)));
    return actual;
  }
  Operand popVal(ValType expect) { return popVal(operand(expect)); }

  void popVals(std::span<const ValType> types) {
    for (size_t i = types.size(); i-- > 0;) popVal(types[i]);
  }
  // Pops `types` and returns what was actually popped (in stack order).
  void popValsInto(std::span<const ValType> types, std::vector<Operand>& out) {
    out.assign(types.size(), kUnknown);
    for (size_t i = types.size(); i-- > 0;) out[i] = popVal(types[i]);
  }

  // -- control stack -------------------------------------------------------
  void pushCtrl(Opcode op, std::span<const ValType> in, std::span<const ValType> out) {
    ctrls_.push_back(Frame{op, in, out, opds_.size(), false});
    pushVals(in);
  }

  Frame popCtrl() {
    if (ctrls_.empty()) error("unexpected end: no open block");
    popVals(ctrls_.back().end);
    const Frame& f = ctrls_.back();
    if (opds_.size() != f.height) {
      size_t extra = opds_.size() - f.height;
      error("type mismatch: " + std::to_string(extra) + " value" + (extra == 1 ? "" : "s") +
            " left on the stack at the end of the block, which returns " + typeList(f.end));
    }
    Frame frame = f;
    ctrls_.pop_back();
    return frame;
  }

  std::span<const ValType> labelTypes(const Frame& f) const { return f.op == Opcode::Loop ? f.start : f.end; }
  const Frame& label(uint32_t depth) const { return ctrls_[ctrls_.size() - 1 - depth]; }

  void setUnreachable() {
    opds_.resize(ctrls_.back().height);
    ctrls_.back().unreachable = true;
  }

  // -- lookups -------------------------------------------------------------
  ValType localType(uint32_t index) const {
    if (index < type_.params.size()) return type_.params[index];
    return body_.locals[index - type_.params.size()];
  }

  struct BlockSig {
    std::span<const ValType> params, results;
  };
  BlockSig blockSig(const BlockType& bt) const {
    switch (bt.kind) {
      case BlockType::Kind::Empty: return {};
      case BlockType::Kind::Value: {
        std::span<const ValType> r = singleType(bt.value);
        if (r.empty()) error("invalid block type");
        return {{}, r};
      }
      case BlockType::Kind::TypeIndex: {
        if (bt.typeIndex >= m_.types.size()) error("unknown type " + std::to_string(bt.typeIndex));
        const FuncType& ft = m_.types[bt.typeIndex];
        return {ft.params, ft.results};
      }
    }
    error("invalid block type");
  }

  void checkMemory(uint32_t index) const {
    if (index >= m_.memories.size()) error("unknown memory " + std::to_string(index));
  }
  const TableType& table(uint32_t index) const {
    if (index >= m_.tables.size()) error("unknown table " + std::to_string(index));
    return m_.tables[index];
  }
  const ElemSegment& elem(uint32_t index) const {
    if (index >= m_.elems.size()) error("unknown elem segment " + std::to_string(index));
    return m_.elems[index];
  }
  void checkData(uint32_t index) const {
    if (index >= m_.datas.size() || (m_.dataCount && index >= *m_.dataCount))
      error("unknown data segment " + std::to_string(index));
    if (!m_.dataCount) error("data count section required: " + opName() + " needs it");
  }
  void checkLabel(uint32_t depth) const {
    if (depth >= ctrls_.size()) error("unknown label " + std::to_string(depth));
  }
  void checkAlign(const Instr& in, const OpTyping& t) const {
    if (t.naturalAlign == OpTyping::kNoAlign)
      error("internal error: no access width known for " + opName() + " (opcode table)");
    if (in.align > t.naturalAlign)
      error("alignment must not be larger than natural: " + opName() + " has alignment 2^" +
            std::to_string(in.align) + ", natural is 2^" + std::to_string(t.naturalAlign));
  }
  void checkLane(const Instr& in, const OpTyping& t) const {
    if (t.lanes == 0) error("internal error: no lane count known for " + opName() + " (opcode table)");
    if (in.lane >= t.lanes)
      error("invalid lane index " + std::to_string(in.lane) + ": " + opName() + " has " +
            std::to_string(t.lanes) + " lanes");
  }

  // Checks that depend only on the immediates: indices in range, alignment,
  // lanes, segment/table type agreement. Runs before any stack typing, as in
  // the reference interpreter.
  void checkImmediates(const Instr& in, const OpTyping& t) {
    switch (opcodeInfo(in.op).imm) {
      case Imm::None:
      case Imm::I32:
      case Imm::I64:
      case Imm::F32:
      case Imm::F64:
      case Imm::SelectT:
        break;
      case Imm::BlockType: blockSig(in.blockType); break;
      case Imm::Label: checkLabel(in.index); break;
      case Imm::BrTable:
        if (in.index2 == 0 || uint64_t(in.index) + in.index2 > body_.brTargets.size())
          error("internal error: br_table target list out of range");
        for (uint32_t i = 0; i < in.index2; ++i) checkLabel(body_.brTargets[in.index + i]);
        break;
      case Imm::Func:
        if (in.index >= ctx_.numFuncs()) error("unknown function " + std::to_string(in.index));
        break;
      case Imm::CallIndirect:
        table(in.index2);
        if (in.index >= m_.types.size()) error("unknown type " + std::to_string(in.index));
        break;
      case Imm::Local: {
        uint64_t n = uint64_t(type_.params.size()) + body_.locals.size();
        if (in.index >= n) error("unknown local " + std::to_string(in.index));
        break;
      }
      case Imm::Global:
        if (in.index >= m_.globals.size()) error("unknown global " + std::to_string(in.index));
        break;
      case Imm::Table: table(in.index); break;
      case Imm::MemArg:
        checkMemory(in.index);
        checkAlign(in, t);
        break;
      case Imm::MemArgLane:
        checkMemory(in.index);
        checkAlign(in, t);
        checkLane(in, t);
        break;
      case Imm::Mem: checkMemory(in.index); break;
      case Imm::V128:
        if (in.index >= body_.v128Consts.size()) error("internal error: v128 constant out of range");
        break;
      case Imm::Shuffle:
        if (in.index >= body_.v128Consts.size()) error("internal error: shuffle mask out of range");
        for (uint8_t lane : body_.v128Consts[in.index])
          if (lane >= 32) error("invalid lane index " + std::to_string(lane) + ": i8x16.shuffle has 32 lanes");
        break;
      case Imm::RefType:
        if (!isRefType(in.valType)) error("type mismatch: " + opName() + " needs a reference type");
        break;
      case Imm::Data: checkData(in.index); break;
      case Imm::Elem: elem(in.index); break;
      case Imm::MemoryInit:
        checkMemory(in.index2);
        checkData(in.index);
        break;
      case Imm::MemoryCopy:
        checkMemory(in.index);
        checkMemory(in.index2);
        break;
      case Imm::TableInit: {
        const TableType& tt = table(in.index2);
        const ElemSegment& seg = elem(in.index);
        if (tt.elemType != seg.elemType)
          error("type mismatch: table.init of a segment of " + typeName(seg.elemType) + " into a table of " +
                typeName(tt.elemType));
        break;
      }
      case Imm::TableCopy: {
        const TableType& dst = table(in.index);
        const TableType& src = table(in.index2);
        if (dst.elemType != src.elemType)
          error("type mismatch: table.copy from a table of " + typeName(src.elemType) + " to a table of " +
                typeName(dst.elemType));
        break;
      }
      case Imm::Lane: checkLane(in, t); break;
    }
  }

  void validateInstr(const Instr& in);

  const Context& ctx_;
  const Module& m_;
  const FunctionBody& body_;
  const FuncType& type_;
  const OpTable& table_;
  const Instr* instr_ = nullptr;
  std::vector<Operand> opds_;
  std::vector<Frame> ctrls_;
  std::vector<Operand> scratch_;
};

void FunctionValidator::validateInstr(const Instr& in) {
  const size_t opIndex = static_cast<size_t>(in.op);
  if (opIndex >= table_.ops.size()) error("internal error: opcode out of range");
  const OpTyping& t = table_.ops[opIndex];
  if (table_.badSignature[opIndex])
    error("internal error: malformed signature for " + opName() + " in the opcode table");

  checkImmediates(in, t);

  if (t.hasSignature) {
    for (size_t i = t.numParams; i-- > 0;) popVal(t.params[i]);
    for (size_t i = 0; i < t.numResults; ++i) pushVal(t.results[i]);
    return;
  }

  switch (in.op) {
    // -- control -----------------------------------------------------------
    case Opcode::Unreachable:
      setUnreachable();
      return;
    case Opcode::Block:
    case Opcode::Loop: {
      BlockSig sig = blockSig(in.blockType);
      popVals(sig.params);
      pushCtrl(in.op, sig.params, sig.results);
      return;
    }
    case Opcode::If: {
      BlockSig sig = blockSig(in.blockType);
      popVal(ValType::I32);
      popVals(sig.params);
      pushCtrl(Opcode::If, sig.params, sig.results);
      return;
    }
    case Opcode::Else: {
      if (ctrls_.back().op != Opcode::If) error("else without matching if");
      Frame frame = popCtrl();
      pushCtrl(Opcode::Else, frame.start, frame.end);
      return;
    }
    case Opcode::End: {
      Frame frame = popCtrl();
      if (frame.op == Opcode::If) {
        // No else: the implicit else passes the block's parameters through,
        // so they must match its results.
        pushCtrl(Opcode::Else, frame.start, frame.end);
        frame = popCtrl();
      }
      pushVals(frame.end);
      return;
    }
    case Opcode::Br:
      popVals(labelTypes(label(in.index)));
      setUnreachable();
      return;
    case Opcode::BrIf: {
      popVal(ValType::I32);
      std::span<const ValType> types = labelTypes(label(in.index));
      popVals(types);
      pushVals(types);
      return;
    }
    case Opcode::BrTable: {
      popVal(ValType::I32);
      const uint32_t* targets = &body_.brTargets[in.index];
      const uint32_t count = in.index2;
      std::span<const ValType> defaultTypes = labelTypes(label(targets[count - 1]));
      for (uint32_t i = 0; i + 1 < count; ++i) {
        std::span<const ValType> types = labelTypes(label(targets[i]));
        if (types.size() != defaultTypes.size())
          error("type mismatch: br_table target " + std::to_string(targets[i]) + " expects " + typeList(types) +
                " but the default target expects " + typeList(defaultTypes));
        popValsInto(types, scratch_);
        for (Operand o : scratch_) pushVal(o);
      }
      popVals(defaultTypes);
      setUnreachable();
      return;
    }
    case Opcode::Return:
      popVals(type_.results);
      setUnreachable();
      return;
    case Opcode::Call: {
      const FuncType& ft = m_.funcType(in.index);
      popVals(ft.params);
      pushVals(ft.results);
      return;
    }
    case Opcode::CallIndirect: {
      if (m_.tables[in.index2].elemType != ValType::FuncRef)
        error("type mismatch: call_indirect through table " + std::to_string(in.index2) + " of " +
              typeName(m_.tables[in.index2].elemType) + ", not funcref");
      const FuncType& ft = m_.types[in.index];
      popVal(ValType::I32);
      popVals(ft.params);
      pushVals(ft.results);
      return;
    }

    // -- parametric --------------------------------------------------------
    case Opcode::Drop:
      popVal();
      return;
    case Opcode::Select: {
      popVal(ValType::I32);
      Operand t1 = popVal();
      Operand t2 = popVal();
      auto numOrVec = [](Operand o) {
        return o == kUnknown || isNumType(static_cast<ValType>(o)) || o == operand(ValType::V128);
      };
      if (!numOrVec(t1) || !numOrVec(t2))
        error("type mismatch: select without a type needs numeric or vector operands, found " +
              std::string(typeName(t2)) + " and " + std::string(typeName(t1)));
      if (t1 != t2 && t1 != kUnknown && t2 != kUnknown)
        error("type mismatch: select operands differ: " + std::string(typeName(t2)) + " and " +
              std::string(typeName(t1)));
      pushVal(t1 == kUnknown ? t2 : t1);
      return;
    }
    case Opcode::SelectT:
      if (!isKnownValType(in.valType)) error("invalid result type for select");
      popVal(ValType::I32);
      popVal(in.valType);
      popVal(in.valType);
      pushVal(in.valType);
      return;

    // -- variables ---------------------------------------------------------
    case Opcode::LocalGet:
      pushVal(localType(in.index));
      return;
    case Opcode::LocalSet:
      popVal(localType(in.index));
      return;
    case Opcode::LocalTee:
      popVal(localType(in.index));
      pushVal(localType(in.index));
      return;
    case Opcode::GlobalGet:
      pushVal(m_.globals[in.index].type.type);
      return;
    case Opcode::GlobalSet: {
      const GlobalType& g = m_.globals[in.index].type;
      if (!g.isMutable) error("global is immutable: global.set of global " + std::to_string(in.index));
      popVal(g.type);
      return;
    }

    // -- tables ------------------------------------------------------------
    case Opcode::TableGet:
      popVal(ValType::I32);
      pushVal(m_.tables[in.index].elemType);
      return;
    case Opcode::TableSet:
      popVal(m_.tables[in.index].elemType);
      popVal(ValType::I32);
      return;
    case Opcode::TableGrow:
      popVal(ValType::I32);
      popVal(m_.tables[in.index].elemType);
      pushVal(ValType::I32);
      return;
    case Opcode::TableFill:
      popVal(ValType::I32);
      popVal(m_.tables[in.index].elemType);
      popVal(ValType::I32);
      return;

    // -- references --------------------------------------------------------
    case Opcode::RefNull:
      pushVal(in.valType);
      return;
    case Opcode::RefIsNull: {
      Operand o = popVal();
      if (o != kUnknown && !isRefType(static_cast<ValType>(o)))
        error("type mismatch: ref.is_null expects a reference but found " + std::string(typeName(o)));
      pushVal(ValType::I32);
      return;
    }
    case Opcode::RefFunc:
      if (!ctx_.declaredFuncs[in.index])
        error("undeclared function reference: function " + std::to_string(in.index) +
              " must appear in an element segment, an export or a global initializer to be used by ref.func");
      pushVal(ValType::FuncRef);
      return;

    default:
      error("internal error: no typing rule for " + opName() + " (empty signature in the opcode table)");
  }
}

// ---------------------------------------------------------------------------
// Module-level rules.

class ModuleValidator {
 public:
  explicit ModuleValidator(const Module& m) : m_(m), ctx_(m) {}

  void run() {
    checkIndexSpaces();
    checkTypesAndImports();
    checkTables();
    checkMemories();
    collectDeclaredFuncs();
    checkGlobals();
    checkElems();
    checkDatas();
    checkStart();
    checkExports();
    checkBodies();
  }

 private:
  static std::string idx(uint64_t i) { return std::to_string(i); }

  void checkIndexSpaces() {
    if (m_.numImportedFuncs > m_.funcTypes.size() || m_.numImportedTables > m_.tables.size() ||
        m_.numImportedMemories > m_.memories.size() || m_.numImportedGlobals > m_.globals.size())
      fail(0, "internal error: imported entity counts exceed index spaces");
    if (m_.bodies.size() != m_.funcTypes.size() - m_.numImportedFuncs)
      fail(0, "function and code section have inconsistent lengths: " + idx(m_.funcTypes.size() - m_.numImportedFuncs) +
                  " functions, " + idx(m_.bodies.size()) + " bodies");
  }

  void checkFuncType(const FuncType& ft) {
    for (ValType t : ft.params)
      if (!isKnownValType(t)) fail(0, "invalid value type in function type");
    for (ValType t : ft.results)
      if (!isKnownValType(t)) fail(0, "invalid value type in function type");
  }

  void checkTypesAndImports() {
    for (const FuncType& ft : m_.types) checkFuncType(ft);
    for (const Import& im : m_.imports) {
      if (im.kind == ExternKind::Func && im.funcTypeIndex >= m_.types.size())
        fail(0, "unknown type " + idx(im.funcTypeIndex) + " in import " + im.module + "." + im.name);
    }
    for (size_t i = 0; i < m_.funcTypes.size(); ++i)
      if (m_.funcTypes[i] >= m_.types.size())
        fail(0, "unknown type " + idx(m_.funcTypes[i]) + " for function " + idx(i));
  }

  static void checkLimits(const Limits& l, uint64_t range, const std::string& rangeMessage) {
    if (l.min > range) fail(0, rangeMessage);
    if (l.max) {
      if (*l.max > range) fail(0, rangeMessage);
      if (l.min > *l.max)
        fail(0, "size minimum must not be greater than maximum: " + idx(l.min) + " > " + idx(*l.max));
    }
  }

  void checkTables() {
    for (const TableType& t : m_.tables) {
      if (!isRefType(t.elemType)) fail(0, "invalid table element type");
      checkLimits(t.limits, 0xFFFFFFFFull, "table size must be at most 2^32-1");
    }
  }

  void checkMemories() {
    if (m_.memories.size() > 1) fail(0, "multiple memories: " + idx(m_.memories.size()) + " memories");
    for (const MemoryType& mem : m_.memories) checkLimits(mem.limits, 65536, "memory size must be at most 65536 pages (4GiB)");
  }

  // C.refs: every function named by ref.func in the module outside function
  // bodies (element segments and global initializers) or exported.
  void collectDeclaredFuncs() {
    ctx_.declaredFuncs.assign(m_.funcTypes.size(), false);
    auto declare = [&](const ConstExpr& e) {
      if (e.kind == ConstExpr::Kind::RefFunc && e.index < ctx_.declaredFuncs.size()) ctx_.declaredFuncs[e.index] = true;
    };
    for (size_t i = m_.numImportedGlobals; i < m_.globals.size(); ++i) declare(m_.globals[i].init);
    for (const ElemSegment& seg : m_.elems)
      for (const ConstExpr& e : seg.items) declare(e);
    for (const Export& ex : m_.exports)
      if (ex.kind == ExternKind::Func && ex.index < ctx_.declaredFuncs.size()) ctx_.declaredFuncs[ex.index] = true;
  }

  // A constant expression: in 2.0, global.get may only name an imported,
  // immutable global.
  void checkConstExpr(const ConstExpr& e, ValType expected, const char* what) {
    ValType actual = ValType::I32;
    switch (e.kind) {
      case ConstExpr::Kind::I32Const: actual = ValType::I32; break;
      case ConstExpr::Kind::I64Const: actual = ValType::I64; break;
      case ConstExpr::Kind::F32Const: actual = ValType::F32; break;
      case ConstExpr::Kind::F64Const: actual = ValType::F64; break;
      case ConstExpr::Kind::V128Const: actual = ValType::V128; break;
      case ConstExpr::Kind::RefNull:
        if (!isRefType(e.refType)) fail(e.offsetInFile, "type mismatch: ref.null needs a reference type");
        actual = e.refType;
        break;
      case ConstExpr::Kind::RefFunc:
        if (e.index >= m_.funcTypes.size()) fail(e.offsetInFile, "unknown function " + idx(e.index));
        actual = ValType::FuncRef;
        break;
      case ConstExpr::Kind::GlobalGet: {
        if (e.index >= m_.numImportedGlobals || e.index >= m_.globals.size())
          fail(e.offsetInFile, "unknown global " + idx(e.index) +
                                   ": constant expressions may only read imported globals");
        const GlobalType& g = m_.globals[e.index].type;
        if (g.isMutable)
          fail(e.offsetInFile, "constant expression required: global " + idx(e.index) + " is mutable");
        actual = g.type;
        break;
      }
    }
    if (actual != expected)
      fail(e.offsetInFile, std::string("type mismatch: ") + what + " has type " + typeName(actual) + ", expected " +
                               typeName(expected));
  }

  void checkGlobals() {
    for (size_t i = 0; i < m_.globals.size(); ++i) {
      const Global& g = m_.globals[i];
      if (!isKnownValType(g.type.type)) fail(0, "invalid global type");
      if (m_.isImportedGlobal(static_cast<uint32_t>(i))) continue;
      checkConstExpr(g.init, g.type.type, "global initializer");
    }
  }

  void checkElems() {
    for (size_t i = 0; i < m_.elems.size(); ++i) {
      const ElemSegment& seg = m_.elems[i];
      if (!isRefType(seg.elemType)) fail(0, "invalid element segment type");
      for (const ConstExpr& item : seg.items) checkConstExpr(item, seg.elemType, "element segment item");
      if (seg.mode == SegmentMode::Active) {
        if (seg.tableIndex >= m_.tables.size())
          fail(seg.offset.offsetInFile, "unknown table " + idx(seg.tableIndex) + " in element segment " + idx(i));
        const TableType& t = m_.tables[seg.tableIndex];
        if (t.elemType != seg.elemType)
          fail(seg.offset.offsetInFile, "type mismatch: element segment " + idx(i) + " of " + typeName(seg.elemType) +
                                            " for a table of " + typeName(t.elemType));
        checkConstExpr(seg.offset, ValType::I32, "element segment offset");
      }
    }
  }

  void checkDatas() {
    for (size_t i = 0; i < m_.datas.size(); ++i) {
      const DataSegment& seg = m_.datas[i];
      if (seg.mode != SegmentMode::Active) continue;
      if (seg.memoryIndex >= m_.memories.size())
        fail(seg.offset.offsetInFile, "unknown memory " + idx(seg.memoryIndex) + " in data segment " + idx(i));
      checkConstExpr(seg.offset, ValType::I32, "data segment offset");
    }
  }

  void checkStart() {
    if (!m_.start) return;
    uint32_t f = *m_.start;
    if (f >= m_.funcTypes.size()) fail(0, "unknown function " + idx(f) + " (start function)");
    const FuncType& ft = m_.funcType(f);
    if (!ft.params.empty() || !ft.results.empty())
      fail(0, "start function must have type [] -> [], function " + idx(f) + " has " + typeList(ft.params) +
                  " -> " + typeList(ft.results));
  }

  void checkExports() {
    std::unordered_set<std::string_view> names;
    names.reserve(m_.exports.size());
    for (const Export& ex : m_.exports) {
      switch (ex.kind) {
        case ExternKind::Func:
          if (ex.index >= m_.funcTypes.size()) fail(0, "unknown function " + idx(ex.index) + " in export \"" + ex.name + "\"");
          break;
        case ExternKind::Table:
          if (ex.index >= m_.tables.size()) fail(0, "unknown table " + idx(ex.index) + " in export \"" + ex.name + "\"");
          break;
        case ExternKind::Memory:
          if (ex.index >= m_.memories.size()) fail(0, "unknown memory " + idx(ex.index) + " in export \"" + ex.name + "\"");
          break;
        case ExternKind::Global:
          if (ex.index >= m_.globals.size()) fail(0, "unknown global " + idx(ex.index) + " in export \"" + ex.name + "\"");
          break;
      }
      if (!names.insert(ex.name).second) fail(0, "duplicate export name \"" + ex.name + "\"");
    }
  }

  void checkBodies() {
    for (size_t i = 0; i < m_.bodies.size(); ++i) {
      uint32_t funcIndex = static_cast<uint32_t>(m_.numImportedFuncs + i);
      FunctionValidator(ctx_, funcIndex, m_.bodies[i]).run();
    }
  }

  const Module& m_;
  Context ctx_;
};

}  // namespace

void validateModule(const Module& module) { ModuleValidator(module).run(); }

}  // namespace kiln::wasm
