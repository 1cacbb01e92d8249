// Trap messages and reports.
#include "kiln/kiln.hpp"

namespace kiln {

const char* trapMessage(kiln_trap_code code) {
  switch (code) {
    case KILN_TRAP_NONE: return "no trap";
    case KILN_TRAP_UNREACHABLE: return "unreachable";
    case KILN_TRAP_MEMORY_OUT_OF_BOUNDS: return "out of bounds memory access";
    case KILN_TRAP_TABLE_OUT_OF_BOUNDS: return "out of bounds table access";
    case KILN_TRAP_INDIRECT_CALL_NULL: return "uninitialized element";
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH: return "indirect call type mismatch";
    case KILN_TRAP_INTEGER_DIVIDE_BY_ZERO: return "integer divide by zero";
    case KILN_TRAP_INTEGER_OVERFLOW: return "integer overflow";
    case KILN_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case KILN_TRAP_STACK_OVERFLOW: return "call stack exhausted";
    case KILN_TRAP_INTERRUPTED: return "interrupted";
    case KILN_TRAP_OUT_OF_MEMORY: return "out of memory";
    case KILN_TRAP_UNALIGNED_ATOMIC: return "unaligned atomic";
    case KILN_TRAP_NULL_REFERENCE: return "null reference";
    case KILN_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case KILN_TRAP_OUT_OF_FUEL: return "all fuel consumed";
    case KILN_TRAP_HOST: return "host function failed";
    case KILN_TRAP_COUNT_: break;
  }
  return "unknown trap";
}

const char* trapName(kiln_trap_code code) {
  switch (code) {
    case KILN_TRAP_NONE: return "none";
    case KILN_TRAP_UNREACHABLE: return "unreachable";
    case KILN_TRAP_MEMORY_OUT_OF_BOUNDS: return "memory_out_of_bounds";
    case KILN_TRAP_TABLE_OUT_OF_BOUNDS: return "table_out_of_bounds";
    case KILN_TRAP_INDIRECT_CALL_NULL: return "indirect_call_null";
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH: return "indirect_call_type_mismatch";
    case KILN_TRAP_INTEGER_DIVIDE_BY_ZERO: return "divide_by_zero";
    case KILN_TRAP_INTEGER_OVERFLOW: return "integer_overflow";
    case KILN_TRAP_INVALID_CONVERSION: return "invalid_conversion";
    case KILN_TRAP_STACK_OVERFLOW: return "stack_overflow";
    case KILN_TRAP_INTERRUPTED: return "interrupted";
    case KILN_TRAP_OUT_OF_MEMORY: return "out_of_memory";
    case KILN_TRAP_UNALIGNED_ATOMIC: return "unaligned_atomic";
    case KILN_TRAP_NULL_REFERENCE: return "null_reference";
    case KILN_TRAP_UNDEFINED_ELEMENT: return "undefined_element";
    case KILN_TRAP_OUT_OF_FUEL: return "out_of_fuel";
    case KILN_TRAP_HOST: return "host";
    case KILN_TRAP_COUNT_: break;
  }
  return "unknown";
}

std::string Trap::report() const {
  if (!error.empty()) return "kiln: error: " + error + "\n";
  if (exitStatus) return "kiln: guest exited with status " + std::to_string(*exitStatus) + "\n";
  std::string out = "kiln: trap: ";
  out += code == KILN_TRAP_HOST && !message.empty() ? message.c_str() : trapMessage(code);
  out += " (";
  out += trapName(code);
  out += ")\n";
  for (size_t i = 0; i < frames.size(); ++i) out += "  at #" + std::to_string(i) + " " + frames[i] + "\n";
  if (droppedFrames) out += "  ... " + std::to_string(droppedFrames) + " more frames\n";
  return out;
}

}  // namespace kiln
