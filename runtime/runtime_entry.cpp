// The runtime entry points compiled code calls (abi.h): memory.grow, bulk
// memory, and table instructions. Bounds are checked, in 64-bit arithmetic,
// before anything is written, and a failed check traps exactly as the spec
// says; a dropped segment behaves as one of length 0.
//
// These functions run between compiled frames and may trap (siglongjmp), so
// they must hold no resources across a call to kiln_rt_trap.
#include <cstring>

#include "rt_instance.h"

using kiln::rt::InstanceData;
using kiln::rt::instanceOf;

namespace {

kiln_memory* memoryAt(kiln_vmctx* vmctx, uint32_t index) {
  kiln_memory* memory = index == 0 ? vmctx->memory : nullptr;
  if (!memory) kiln_rt_trap(vmctx, KILN_TRAP_MEMORY_OUT_OF_BOUNDS, UINT32_MAX);
  return memory;
}

kiln_table* tableAt(kiln_vmctx* vmctx, uint32_t index) {
  InstanceData* inst = instanceOf(vmctx);
  if (!inst || index >= inst->tables.size()) kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  return vmctx->tables[index];
}

bool outOfBounds(uint64_t start, uint64_t len, uint64_t size) { return start + len > size; }

}  // namespace

extern "C" {

int32_t kiln_rt_memory_grow(kiln_vmctx* vmctx, uint32_t memory_index, uint32_t delta_pages) {
  kiln_memory* memory = memory_index == 0 ? vmctx->memory : nullptr;
  if (!memory) return -1;
  return static_cast<int32_t>(kiln::rt::growMemory(memory, delta_pages));
}

void kiln_rt_memory_init(kiln_vmctx* vmctx, uint32_t memory_index, uint32_t data_index, uint32_t dst,
                         uint32_t src, uint32_t len) {
  kiln_memory* memory = memoryAt(vmctx, memory_index);
  InstanceData* inst = instanceOf(vmctx);
  if (!inst || data_index >= inst->desc->num_datas) kiln_rt_trap(vmctx, KILN_TRAP_MEMORY_OUT_OF_BOUNDS, UINT32_MAX);
  const kiln_data_desc& seg = inst->desc->datas[data_index];
  uint64_t segSize = inst->dataDropped[data_index] ? 0 : seg.size;
  if (outOfBounds(src, len, segSize) || outOfBounds(dst, len, memory->size))
    kiln_rt_trap(vmctx, KILN_TRAP_MEMORY_OUT_OF_BOUNDS, UINT32_MAX);
  if (len) std::memcpy(memory->base + dst, seg.bytes + src, len);
}

void kiln_rt_data_drop(kiln_vmctx* vmctx, uint32_t data_index) {
  InstanceData* inst = instanceOf(vmctx);
  if (inst && data_index < inst->dataDropped.size()) inst->dataDropped[data_index] = 1;
}

void kiln_rt_memory_copy(kiln_vmctx* vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst, uint32_t src,
                         uint32_t len) {
  kiln_memory* to = memoryAt(vmctx, dst_mem);
  kiln_memory* from = memoryAt(vmctx, src_mem);
  if (outOfBounds(src, len, from->size) || outOfBounds(dst, len, to->size))
    kiln_rt_trap(vmctx, KILN_TRAP_MEMORY_OUT_OF_BOUNDS, UINT32_MAX);
  if (len) std::memmove(to->base + dst, from->base + src, len);
}

void kiln_rt_memory_fill(kiln_vmctx* vmctx, uint32_t memory_index, uint32_t dst, uint32_t value, uint32_t len) {
  kiln_memory* memory = memoryAt(vmctx, memory_index);
  if (outOfBounds(dst, len, memory->size)) kiln_rt_trap(vmctx, KILN_TRAP_MEMORY_OUT_OF_BOUNDS, UINT32_MAX);
  if (len) std::memset(memory->base + dst, static_cast<int>(value & 0xff), len);
}

void* kiln_rt_table_get(kiln_vmctx* vmctx, uint32_t table_index, uint32_t elem) {
  kiln_table* table = tableAt(vmctx, table_index);
  if (elem >= table->size) kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  return table->elements[elem];
}

void kiln_rt_table_set(kiln_vmctx* vmctx, uint32_t table_index, uint32_t elem, void* value) {
  kiln_table* table = tableAt(vmctx, table_index);
  if (elem >= table->size) kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  table->elements[elem] = value;
}

int32_t kiln_rt_table_grow(kiln_vmctx* vmctx, uint32_t table_index, void* init, uint32_t delta) {
  kiln_table* table = tableAt(vmctx, table_index);
  return static_cast<int32_t>(kiln::rt::growTable(table, delta, init));
}

void kiln_rt_table_fill(kiln_vmctx* vmctx, uint32_t table_index, uint32_t dst, void* value, uint32_t len) {
  kiln_table* table = tableAt(vmctx, table_index);
  if (outOfBounds(dst, len, table->size)) kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  for (uint32_t i = 0; i < len; ++i) table->elements[dst + i] = value;
}

void kiln_rt_table_copy(kiln_vmctx* vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src,
                        uint32_t len) {
  kiln_table* to = tableAt(vmctx, dst_table);
  kiln_table* from = tableAt(vmctx, src_table);
  if (outOfBounds(src, len, from->size) || outOfBounds(dst, len, to->size))
    kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  if (len) std::memmove(to->elements + dst, from->elements + src, len * sizeof(void*));
}

void kiln_rt_table_init(kiln_vmctx* vmctx, uint32_t table_index, uint32_t elem_index, uint32_t dst, uint32_t src,
                        uint32_t len) {
  kiln_table* table = tableAt(vmctx, table_index);
  InstanceData* inst = instanceOf(vmctx);
  if (elem_index >= inst->elemSegments.size()) kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  const std::vector<void*>& items = inst->elemSegments[elem_index];
  if (outOfBounds(src, len, items.size()) || outOfBounds(dst, len, table->size))
    kiln_rt_trap(vmctx, KILN_TRAP_TABLE_OUT_OF_BOUNDS, UINT32_MAX);
  if (len) std::memcpy(table->elements + dst, items.data() + src, len * sizeof(void*));
}

void kiln_rt_elem_drop(kiln_vmctx* vmctx, uint32_t elem_index) {
  InstanceData* inst = instanceOf(vmctx);
  if (inst && elem_index < inst->elemSegments.size()) std::vector<void*>().swap(inst->elemSegments[elem_index]);
}

}  // extern "C"
