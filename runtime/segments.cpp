// Constant expressions, and element and data segments at instantiation
// (spec 2.0: active element segments in order, then active data segments in
// order; each is a table.init / memory.init followed by a drop, so an
// out-of-bounds segment traps after the earlier ones were written).
#include <cstring>

#include "rt_instance.h"

namespace kiln::rt {

kiln_val evalConstExpr(const InstanceData& inst, const kiln_const_expr& expr) {
  kiln_val value;
  std::memset(&value, 0, sizeof value);
  switch (expr.kind) {
    case KILN_CONST_I32:
      value.i32 = static_cast<uint32_t>(expr.bits);
      break;
    case KILN_CONST_I64:
    case KILN_CONST_F64:
      value.i64 = expr.bits;
      break;
    case KILN_CONST_F32: {
      auto bits = static_cast<uint32_t>(expr.bits);
      std::memcpy(&value.f32, &bits, sizeof bits);
      break;
    }
    case KILN_CONST_V128:
      std::memcpy(value.v128, &expr.bits, 8);
      std::memcpy(value.v128 + 8, &expr.bits_high, 8);
      break;
    case KILN_CONST_REF_NULL:
      value.ref = nullptr;
      break;
    case KILN_CONST_REF_FUNC:
      value.ref = expr.index < inst.funcs.size() ? inst.funcs[expr.index] : nullptr;
      break;
    case KILN_CONST_GLOBAL_GET:
      if (expr.index < inst.desc->num_globals) value = *inst.globalCell(expr.index);
      break;
    default:
      break;
  }
  return value;
}

void evaluateElemSegments(InstanceData& inst) {
  const kiln_module_desc* desc = inst.desc;
  inst.elemSegments.assign(desc->num_elems, {});
  for (uint32_t e = 0; e < desc->num_elems; ++e) {
    const kiln_elem_desc& seg = desc->elems[e];
    std::vector<void*>& items = inst.elemSegments[e];
    items.reserve(seg.num_items);
    for (uint32_t i = 0; i < seg.num_items; ++i) items.push_back(evalConstExpr(inst, seg.items[i]).ref);
  }
  inst.dataDropped.assign(desc->num_datas, 0);
}

namespace {

bool segmentTrap(InstantiateError* error, kiln_trap_code code) {
  error->kind = InstantiateError::Kind::Trap;
  error->message = trapMessage(code);
  Trap trap;
  trap.code = code;
  error->trap = trap;
  return false;
}

}  // namespace

bool applyActiveSegments(InstanceData& inst, InstantiateError* error) {
  const kiln_module_desc* desc = inst.desc;
  for (uint32_t e = 0; e < desc->num_elems; ++e) {
    const kiln_elem_desc& seg = desc->elems[e];
    std::vector<void*>& items = inst.elemSegments[e];
    if (seg.mode == KILN_SEGMENT_ACTIVE) {
      if (seg.table_index >= inst.tables.size() || !inst.tables[seg.table_index])
        return segmentTrap(error, KILN_TRAP_TABLE_OUT_OF_BOUNDS);
      kiln_table* table = inst.tables[seg.table_index];
      uint64_t offset = evalConstExpr(inst, seg.offset).i32;
      if (offset + items.size() > table->size) return segmentTrap(error, KILN_TRAP_TABLE_OUT_OF_BOUNDS);
      if (!items.empty()) std::memcpy(table->elements + offset, items.data(), items.size() * sizeof(void*));
    }
    if (seg.mode != KILN_SEGMENT_PASSIVE) std::vector<void*>().swap(items);
  }
  for (uint32_t d = 0; d < desc->num_datas; ++d) {
    const kiln_data_desc& seg = desc->datas[d];
    if (seg.mode != KILN_SEGMENT_ACTIVE) continue;
    if (inst.dataInImage) {
      inst.dataDropped[d] = 1;
      continue;
    }
    kiln_memory* memory = seg.memory_index == 0 ? inst.vmctx->memory : nullptr;
    if (!memory) return segmentTrap(error, KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
    uint64_t offset = evalConstExpr(inst, seg.offset).i32;
    if (offset + seg.size > memory->size) return segmentTrap(error, KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (seg.size) std::memcpy(memory->base + offset, seg.bytes, seg.size);
    inst.dataDropped[d] = 1;
  }
  return true;
}

}  // namespace kiln::rt
