// Decoded instructions. A function body is decoded once into a flat vector of
// Instr; the validator and the LLVM translator both walk that vector, so there
// is exactly one place (the reader) that knows the binary encoding.
#pragma once

#include <cstdint>
#include <string_view>

namespace kiln::wasm {

// Kinds of immediate operands, named in opcodes.def.
enum class Imm : uint8_t {
  None,
  BlockType,    // blockType
  Label,        // index = label depth
  BrTable,      // index = first target in FunctionBody::brTargets, index2 = number of
                //   targets including the default, which is the last of them
  Func,         // index = function index
  CallIndirect, // index = type index, index2 = table index
  Local,        // index = local index
  Global,       // index = global index
  Table,        // index = table index
  MemArg,       // align = log2 alignment, offset = static offset, index = memory index
  Mem,          // index = memory index (a zero byte in 2.0)
  I32,          // value = the constant, sign-extended to 64 bits
  I64,          // value = the constant
  F32,          // value = the bit pattern in the low 32 bits
  F64,          // value = the bit pattern
  V128,         // index = position in FunctionBody::v128Consts
  SelectT,      // valType = the single result type
  RefType,      // valType = funcref or externref
  Data,         // index = data segment index
  Elem,         // index = element segment index
  MemoryInit,   // index = data segment index, index2 = memory index
  MemoryCopy,   // index = destination memory, index2 = source memory
  TableInit,    // index = element segment index, index2 = table index
  TableCopy,    // index = destination table, index2 = source table
  Lane,         // lane = lane index
  MemArgLane,   // MemArg fields plus lane
  Shuffle,      // index = position in FunctionBody::v128Consts (the 16 lane indices)
};

enum class Opcode : uint16_t {
#define KILN_OP(name, prefix, code, text, imm, sig) name,
#include "opcodes.def"
#undef KILN_OP
  Count_
};

struct OpcodeInfo {
  uint8_t prefix;   // 0, 0xFC or 0xFD
  uint32_t code;
  std::string_view text;
  Imm imm;
  std::string_view signature;  // see opcodes.def
};

const OpcodeInfo& opcodeInfo(Opcode op);
inline std::string_view opcodeName(Opcode op) { return opcodeInfo(op).text; }

// Value types, with their binary encodings.
enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

std::string_view valTypeName(ValType t);
inline bool isRefType(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
inline bool isNumType(ValType t) { return !isRefType(t) && t != ValType::V128; }

// A block's type: no values, one result, or a function type (params and results).
struct BlockType {
  enum class Kind : uint8_t { Empty, Value, TypeIndex };
  Kind kind = Kind::Empty;
  ValType value = ValType::I32;  // when kind == Value
  uint32_t typeIndex = 0;        // when kind == TypeIndex
};

struct Instr {
  Opcode op = Opcode::Nop;
  uint8_t align = 0;      // MemArg: log2 of the alignment hint
  uint8_t lane = 0;       // Lane / MemArgLane
  ValType valType = ValType::I32;  // SelectT / RefType
  uint32_t offsetInFile = 0;  // byte offset of the opcode in the module, for diagnostics
  uint32_t index = 0;
  uint32_t index2 = 0;
  uint64_t value = 0;     // constants (bit patterns) and MemArg offsets
  BlockType blockType;    // Block / Loop / If
};

}  // namespace kiln::wasm
