// The in-memory form of a decoded WebAssembly module. The reader fills it,
// the validator checks it, the translator lowers it. Index spaces follow the
// spec: imported entities come first in each index space.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/instruction.h"

namespace kiln::wasm {

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

struct TableType {
  ValType elemType = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

struct GlobalType {
  ValType type = ValType::I32;
  bool isMutable = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t funcTypeIndex = 0;  // kind == Func
  TableType table;             // kind == Table
  MemoryType memory;           // kind == Memory
  GlobalType global;           // kind == Global
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

// A constant expression (global initialisers, segment offsets, element items).
// WebAssembly 2.0 allows exactly one of these instructions followed by `end`.
struct ConstExpr {
  enum class Kind : uint8_t { I32Const, I64Const, F32Const, F64Const, V128Const, RefNull, RefFunc, GlobalGet };
  Kind kind = Kind::I32Const;
  ValType refType = ValType::FuncRef;  // RefNull
  uint32_t index = 0;                  // RefFunc: function index; GlobalGet: global index
  uint64_t bits = 0;                   // numeric constants (bit patterns); low half of V128
  uint64_t bitsHigh = 0;               // high half of V128
  uint32_t offsetInFile = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t tableIndex = 0;
  ConstExpr offset;                 // Active only
  ValType elemType = ValType::FuncRef;
  std::vector<ConstExpr> items;     // ref.func / ref.null / global.get
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;  // Active or Passive
  uint32_t memoryIndex = 0;
  ConstExpr offset;                  // Active only
  std::vector<uint8_t> bytes;
};

struct FunctionBody {
  std::vector<ValType> locals;       // declared locals, expanded (parameters not included)
  std::vector<Instr> code;           // ends with the function's final End
  std::vector<uint32_t> brTargets;   // br_table target lists, see Imm::BrTable
  std::vector<std::array<uint8_t, 16>> v128Consts;  // v128.const values and shuffle masks
  uint32_t offsetInFile = 0;         // start of the body (its size field)
};

struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> funcTypes;   // type index of every function, imported ones first
  std::vector<TableType> tables;     // imported ones first
  std::vector<MemoryType> memories;  // imported ones first
  std::vector<Global> globals;       // imported ones first (their init is unused)
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> dataCount;
  std::vector<FunctionBody> bodies;  // one per defined (non-imported) function

  uint32_t numImportedFuncs = 0;
  uint32_t numImportedTables = 0;
  uint32_t numImportedMemories = 0;
  uint32_t numImportedGlobals = 0;

  // From the `name` custom section, when present (and well-formed).
  std::string moduleName;
  std::unordered_map<uint32_t, std::string> funcNames;

  const FuncType& funcType(uint32_t funcIndex) const { return types[funcTypes[funcIndex]]; }
  bool isImportedFunc(uint32_t funcIndex) const { return funcIndex < numImportedFuncs; }
  bool isImportedGlobal(uint32_t globalIndex) const { return globalIndex < numImportedGlobals; }
  bool isImportedTable(uint32_t tableIndex) const { return tableIndex < numImportedTables; }
  bool isImportedMemory(uint32_t memIndex) const { return memIndex < numImportedMemories; }
  // A printable name for diagnostics and backtraces: the name section's, else
  // the export name, else "func[N]".
  std::string displayFuncName(uint32_t funcIndex) const;
};

}  // namespace kiln::wasm
