#include "wasm/instruction.h"

#include <array>

namespace kiln::wasm {

namespace {

constexpr std::array<OpcodeInfo, static_cast<size_t>(Opcode::Count_)> kOpcodeInfo = {{
#define KILN_OP(name, prefix, code, text, imm, sig) {prefix, code, text, Imm::imm, sig},
#include "wasm/opcodes.def"
#undef KILN_OP
}};

}  // namespace

const OpcodeInfo& opcodeInfo(Opcode op) {
  const auto i = static_cast<size_t>(op);
  if (i >= kOpcodeInfo.size()) {
    static constexpr OpcodeInfo kInvalid{0, 0xFFFFFFFF, "<invalid opcode>", Imm::None, ""};
    return kInvalid;
  }
  return kOpcodeInfo[i];
}

std::string_view valTypeName(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "<invalid type>";
}

}  // namespace kiln::wasm
