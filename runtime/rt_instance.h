// An instance's runtime state, owned by its store (Store::Impl). Instance
// (kiln.h) is a handle on it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"
#include "rt_memory.h"
#include "rt_store.h"
#include "rt_table.h"

namespace kiln::rt {

struct InstanceData {
  InstanceData(const kiln_module_desc* module, Store::Impl* store);
  ~InstanceData();
  InstanceData(const InstanceData&) = delete;
  InstanceData& operator=(const InstanceData&) = delete;

  const kiln_module_desc* desc;
  Store::Impl* store;
  Instance handle;
  kiln_vmctx* vmctx = nullptr;  // desc->vmctx_size bytes, owned
  // One kiln_func per function index: defined functions and host functions
  // bound to this instance. Imports from other instances point elsewhere.
  std::unique_ptr<kiln_func[]> ownFuncs;
  std::vector<kiln_func*> funcs;
  std::vector<kiln_table*> tables;
  std::vector<std::unique_ptr<Table>> ownTables;
  std::unique_ptr<Memory> ownMemory;
  std::vector<uint32_t> typeIds;
  // Element segments, evaluated at instantiation; emptied when dropped.
  std::vector<std::vector<void*>> elemSegments;
  std::vector<uint8_t> dataDropped;
  // (envTag, env) of bound host functions; see hostEnv().
  std::vector<std::pair<const void*, void*>> hostEnvs;
  std::unordered_map<std::string_view, uint32_t> exportIndex;
  bool codeRegistered = false;
  // Set when instantiated from a PreparedModule, which then holds the code
  // registration (codeRegistered stays false).
  std::shared_ptr<const PreparedModule> prepared;
  // The memory was made from the module's image: its active data segments
  // are there already.
  bool dataInImage = false;

  // The 16-byte cell of global `index` (imported or defined).
  kiln_val* globalCell(uint32_t index) const;
  // Whether func is one of this instance's own kiln_funcs.
  bool ownsFunc(const kiln_func* func) const {
    return desc->num_funcs > 0 && func >= ownFuncs.get() && func < ownFuncs.get() + desc->num_funcs;
  }
};

inline InstanceData* instanceOf(const kiln_vmctx* vmctx) {
  return vmctx ? static_cast<InstanceData*>(vmctx->instance) : nullptr;
}

// Import resolution and checks (imports.cpp). On failure fills *error
// (Kind::Unlinkable) and returns false.
bool resolveImports(InstanceData& inst, const ImportResolver& resolver, InstantiateError* error);

// Constant expressions and segments (segments.cpp).
kiln_val evalConstExpr(const InstanceData& inst, const kiln_const_expr& expr);
void evaluateElemSegments(InstanceData& inst);
// Applies active element then data segments, drops active and declarative
// ones. On an out-of-bounds segment fills *error (Kind::Trap) and returns
// false.
bool applyActiveSegments(InstanceData& inst, InstantiateError* error);

// The extern for an exported (or any) item of an instance.
Extern externFor(const InstanceData& inst, kiln_extern_kind kind, uint32_t index);

}  // namespace kiln::rt
