// Import resolution: find each import, check its type against the module's
// declaration (spec 2.0 "import subtyping"), and bind it into the instance.
#include <algorithm>
#include <cstring>

#include "rt_instance.h"
#include "rt_owners.h"
#include "rt_types.h"

namespace kiln::rt {
namespace {

std::string importName(const kiln_import_desc& imp) {
  return std::string(imp.module, imp.module_len) + "." + std::string(imp.name, imp.name_len);
}

bool unlinkable(InstantiateError* error, const std::string& what, const kiln_import_desc& imp) {
  error->kind = InstantiateError::Kind::Unlinkable;
  error->message = what + " " + importName(imp);
  return false;
}

bool incompatible(InstantiateError* error, const kiln_import_desc& imp) {
  return unlinkable(error, "incompatible import type for", imp);
}

// Limits subtyping: the actual object's current size must be at least the
// declared minimum; if a maximum is declared, the object must have one no
// larger.
bool limitsMatch(uint64_t actualMin, uint64_t actualMax, uint64_t declaredMin, uint64_t declaredMax) {
  if (actualMin < declaredMin) return false;
  if (declaredMax == KILN_NO_MAX) return true;
  return actualMax != KILN_NO_MAX && actualMax <= declaredMax;
}

// The maximum a memory was declared with, if the runtime made it.
uint64_t memoryDeclaredMax(const kiln_memory* memory) {
  // For a memory the runtime did not make, take max_pages at its word unless
  // it is the runtime's cap.
  const Memory* object = memoryObjectFor(memory);
  if (object) return object->declaredMax();
  return memory->max_pages >= kMaxMemoryPages ? KILN_NO_MAX : memory->max_pages;
}

void retainOwner(InstanceData& inst, const void* object) {
  std::shared_ptr<void> owner = ownerOf(object);
  if (!owner) return;
  for (const auto& held : inst.keepAlive)
    if (held == owner) return;
  inst.keepAlive.push_back(std::move(owner));
}

void link(InstanceData& inst, const kiln_func* func) {
  kiln_vmctx* other = func->vmctx;
  if (!other || other == inst.vmctx) return;
  InstanceData* otherInst = instanceOf(other);
  if (!otherInst || !ownerOf(func)) return;
  auto add = [&](kiln_vmctx* v) {
    if (v != inst.vmctx && std::find(inst.linked.begin(), inst.linked.end(), v) == inst.linked.end())
      inst.linked.push_back(v);
  };
  add(other);
  for (kiln_vmctx* v : otherInst->linked) add(v);
}

bool resolveFunc(InstanceData& inst, const ImportResolver& resolver, const kiln_import_desc& imp,
                 InstantiateError* error) {
  const kiln_module_desc* desc = inst.desc;
  uint32_t index = imp.index;
  uint32_t typeIndex = desc->funcs[index].type_index;
  const kiln_type_desc& type = desc->types[typeIndex];
  uint32_t expected = inst.typeIds[typeIndex];
  std::string_view module(imp.module, imp.module_len);
  std::string_view name(imp.name, imp.name_len);

  if (resolver.hostFunc) {
    if (std::optional<HostFunc> host = resolver.hostFunc(module, name)) {
      uint32_t actual = internSignature(host->params.data(), host->params.size(), host->results.data(),
                                        host->results.size());
      if (actual != expected || !host->code) return incompatible(error, imp);
      kiln_func& f = inst.ownFuncs[index];
      f.code = host->code;
      f.vmctx = inst.vmctx;
      f.type_id = expected;
      f.array_call = type.array_call;
      inst.funcs[index] = &f;
      if (host->envTag) {
        bool known = false;
        for (const auto& [tag, env] : inst.hostEnvs) known = known || tag == host->envTag;
        if (!known) inst.hostEnvs.emplace_back(host->envTag, host->env);
      }
      return true;
    }
  }
  std::optional<Extern> ext;
  if (resolver.external) ext = resolver.external(module, name);
  if (!ext) return unlinkable(error, "unknown import", imp);
  if (ext->kind != KILN_EXTERN_FUNC || !ext->func) return incompatible(error, imp);
  uint32_t actual = ext->func->type_id;
  if (actual == 0)
    actual = internSignature(ext->params.data(), ext->params.size(), ext->results.data(), ext->results.size());
  if (actual != expected) return incompatible(error, imp);
  inst.funcs[index] = ext->func;
  retainOwner(inst, ext->func);
  link(inst, ext->func);
  return true;
}

}  // namespace

bool resolveImports(InstanceData& inst, const ImportResolver& resolver, InstantiateError* error) {
  const kiln_module_desc* desc = inst.desc;
  for (uint32_t i = 0; i < desc->num_imports; ++i) {
    const kiln_import_desc& imp = desc->imports[i];
    if (imp.kind == KILN_EXTERN_FUNC) {
      if (imp.index >= desc->num_funcs) return unlinkable(error, "corrupt module descriptor: import", imp);
      if (!resolveFunc(inst, resolver, imp, error)) return false;
      continue;
    }
    std::optional<Extern> ext;
    if (resolver.external)
      ext = resolver.external(std::string_view(imp.module, imp.module_len), std::string_view(imp.name, imp.name_len));
    if (!ext) return unlinkable(error, "unknown import", imp);
    if (ext->kind != imp.kind) return incompatible(error, imp);
    switch (imp.kind) {
      case KILN_EXTERN_TABLE: {
        if (imp.index >= desc->num_tables || !ext->table) return incompatible(error, imp);
        const kiln_table_desc& t = desc->tables[imp.index];
        const kiln_table* actual = ext->table;
        uint64_t actualMax = actual->max == UINT32_MAX ? KILN_NO_MAX : actual->max;
        if (actual->elem_type != t.elem_type || !limitsMatch(actual->size, actualMax, t.min, t.max))
          return incompatible(error, imp);
        inst.tables[imp.index] = ext->table;
        retainOwner(inst, ext->table);
        break;
      }
      case KILN_EXTERN_MEMORY: {
        if (imp.index >= desc->num_memories || !ext->memory) return incompatible(error, imp);
        const kiln_memory_desc& m = desc->memories[imp.index];
        kiln_memory* actual = ext->memory;
        if (!limitsMatch(actual->size / KILN_WASM_PAGE_SIZE, memoryDeclaredMax(actual), m.min, m.max))
          return incompatible(error, imp);
        if (imp.index == 0) {
          inst.vmctx->memory = actual;
          inst.vmctx->memory_base = actual->base;
        }
        retainOwner(inst, actual);
        break;
      }
      case KILN_EXTERN_GLOBAL: {
        if (imp.index >= desc->num_globals || !ext->global) return incompatible(error, imp);
        const kiln_global_desc& g = desc->globals[imp.index];
        if (ext->globalType != g.type || ext->globalMutable != (g.is_mutable != 0)) return incompatible(error, imp);
        kiln_val* cell = ext->global;
        std::memcpy(reinterpret_cast<char*>(inst.vmctx) + g.vmctx_offset, &cell, sizeof cell);
        retainOwner(inst, cell);
        break;
      }
      default:
        return incompatible(error, imp);
    }
  }
  return true;
}

}  // namespace kiln::rt
