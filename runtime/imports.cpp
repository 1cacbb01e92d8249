// Import resolution: find each import, check that it belongs to the same
// store (which also proves the runtime made it, for this bounds-check mode),
// check its type against the module's declaration (spec 2.0 "import
// subtyping"), and bind it into the instance.
#include <algorithm>
#include <cstring>

#include "rt_instance.h"
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

// Imports are raw pointers; only objects this store made are accepted, so
// that compiled code never touches an object whose layout, reservation or
// lifetime the runtime does not control (an embedder-made kiln_memory, or
// one from another store that may be dropped first).
bool foreign(InstantiateError* error, const kiln_import_desc& imp, const char* what) {
  unlinkable(error, std::string("the ") + what + " given for import", imp);
  error->message +=
      " is not an object of this store (instances link only to instances and host objects of their own store)";
  return false;
}

bool resolveFunc(InstanceData& inst, const ImportResolver& resolver, uint32_t importIndex,
                 const kiln_import_desc& imp, InstantiateError* error) {
  const kiln_module_desc* desc = inst.desc;
  uint32_t index = imp.index;
  uint32_t typeIndex = desc->funcs[index].type_index;
  const kiln_type_desc& type = desc->types[typeIndex];
  uint32_t expected = inst.typeIds[typeIndex];
  std::string_view module(imp.module, imp.module_len);
  std::string_view name(imp.name, imp.name_len);

  if (resolver.hostFunc && !resolver.byIndex) {
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
  if (resolver.byIndex)
    ext = resolver.byIndex(importIndex);
  else if (resolver.external)
    ext = resolver.external(module, name);
  if (!ext) return unlinkable(error, "unknown import", imp);
  if (ext->kind != KILN_EXTERN_FUNC || !ext->func) return incompatible(error, imp);
  kiln_func* func = ext->func;
  InstanceData* owner = inst.store->owns(func->vmctx) ? instanceOf(func->vmctx) : nullptr;
  HostFunction* host = owner || !inst.store->owns(func->vmctx) ? nullptr : hostFunctionOf(func);
  if (!host && (!owner || !owner->ownsFunc(func))) return foreign(error, imp, "function");
  // An ArrayHostFunc without code yet gets this module's thunk when the
  // instance is set up (bindHostFunctions), before any of its code runs.
  if (func->type_id != expected) return incompatible(error, imp);
  inst.funcs[index] = func;
  return true;
}

}  // namespace

bool resolveImports(InstanceData& inst, const ImportResolver& resolver, InstantiateError* error) {
  const kiln_module_desc* desc = inst.desc;
  for (uint32_t i = 0; i < desc->num_imports; ++i) {
    const kiln_import_desc& imp = desc->imports[i];
    if (imp.kind == KILN_EXTERN_FUNC) {
      if (imp.index >= desc->num_funcs) return unlinkable(error, "corrupt module descriptor: import", imp);
      if (!resolveFunc(inst, resolver, i, imp, error)) return false;
      continue;
    }
    std::optional<Extern> ext;
    if (resolver.byIndex)
      ext = resolver.byIndex(i);
    else if (resolver.external)
      ext = resolver.external(std::string_view(imp.module, imp.module_len), std::string_view(imp.name, imp.name_len));
    if (!ext) return unlinkable(error, "unknown import", imp);
    if (ext->kind != imp.kind) return incompatible(error, imp);
    switch (imp.kind) {
      case KILN_EXTERN_TABLE: {
        if (imp.index >= desc->num_tables || !ext->table) return incompatible(error, imp);
        if (!inst.store->owns(ext->table)) return foreign(error, imp, "table");
        const kiln_table_desc& t = desc->tables[imp.index];
        const kiln_table* actual = ext->table;
        uint64_t actualMax = actual->max == UINT32_MAX ? KILN_NO_MAX : actual->max;
        if (actual->elem_type != t.elem_type || !limitsMatch(actual->size, actualMax, t.min, t.max))
          return incompatible(error, imp);
        inst.tables[imp.index] = ext->table;
        break;
      }
      case KILN_EXTERN_MEMORY: {
        if (imp.index >= desc->num_memories || !ext->memory) return incompatible(error, imp);
        if (!inst.store->owns(ext->memory)) return foreign(error, imp, "memory");
        const kiln_memory_desc& m = desc->memories[imp.index];
        kiln_memory* actual = ext->memory;
        Memory* object = memoryObject(actual);
        if (!limitsMatch(actual->size / KILN_WASM_PAGE_SIZE, object->declaredMax, m.min, m.max))
          return incompatible(error, imp);
        // Guard-page code needs the whole reservation behind the memory.
        if (!(desc->flags & KILN_FLAG_EXPLICIT_BOUNDS_CHECKS) && !object->guardPages)
        {
          unlinkable(error, "the memory given for import", imp);
          error->message +=
              " reserves only its maximum (made for --bounds-checks=explicit code), but this module relies on guard "
              "pages";
          return false;
        }
        if (imp.index == 0) {
          inst.vmctx->memory = actual;
          inst.vmctx->memory_base = actual->base;
        }
        break;
      }
      case KILN_EXTERN_GLOBAL: {
        if (imp.index >= desc->num_globals || !ext->global) return incompatible(error, imp);
        if (!inst.store->owns(ext->global)) return foreign(error, imp, "global");
        const kiln_global_desc& g = desc->globals[imp.index];
        if (ext->globalType != g.type || ext->globalMutable != (g.is_mutable != 0)) return incompatible(error, imp);
        kiln_val* cell = ext->global;
        std::memcpy(reinterpret_cast<char*>(inst.vmctx) + g.vmctx_offset, &cell, sizeof cell);
        break;
      }
      default:
        return incompatible(error, imp);
    }
  }
  return true;
}

}  // namespace kiln::rt
