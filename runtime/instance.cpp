// Instances: creation (checks, imports, tables, memory, globals, segments,
// start function), exports, and protected calls.
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "rt_code_registry.h"
#include "rt_instance.h"
#include "rt_owners.h"
#include "rt_trap.h"
#include "rt_types.h"

namespace kiln {

using rt::InstanceData;

namespace rt {

InstanceData::InstanceData(const kiln_module_desc* module) : desc(module) {}

InstanceData::~InstanceData() {
  for (const void* range : ownedRanges) unregisterOwned(range);
  if (codeRegistered) unregisterModuleCode(desc);
  free(vmctx);
}

kiln_val* InstanceData::globalCell(uint32_t index) const {
  const kiln_global_desc& g = desc->globals[index];
  char* slot = reinterpret_cast<char*>(vmctx) + g.vmctx_offset;
  if (g.imported) {
    kiln_val* cell;
    std::memcpy(&cell, slot, sizeof cell);
    return cell;
  }
  return reinterpret_cast<kiln_val*>(slot);
}

Extern externFor(const InstanceData& inst, kiln_extern_kind kind, uint32_t index) {
  Extern ext;
  ext.kind = kind;
  const kiln_module_desc* desc = inst.desc;
  switch (kind) {
    case KILN_EXTERN_FUNC: {
      ext.func = inst.funcs[index];
      const kiln_type_desc& type = desc->types[desc->funcs[index].type_index];
      ext.params.assign(type.types, type.types + type.num_params);
      ext.results.assign(type.types + type.num_params, type.types + type.num_params + type.num_results);
      break;
    }
    case KILN_EXTERN_TABLE:
      ext.table = inst.tables[index];
      break;
    case KILN_EXTERN_MEMORY:
      ext.memory = inst.vmctx->memory;
      break;
    case KILN_EXTERN_GLOBAL:
      ext.global = inst.globalCell(index);
      ext.globalType = desc->globals[index].type;
      ext.globalMutable = desc->globals[index].is_mutable != 0;
      break;
  }
  return ext;
}

namespace {

// Instances whose instantiation failed after they may have written their
// functions into imported tables (or, from the start function, anywhere
// their imports reach): spec 2.0 says those writes persist, so the functions
// must stay callable. They live until the process exits, and so must their
// code and descriptor (an embedder must not unload such a module).
void keepFailedInstance(std::shared_ptr<InstanceData> inst) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::shared_ptr<InstanceData>>;
  std::lock_guard<std::mutex> lock(mutex);
  kept->push_back(std::move(inst));
}

// Compiled code checks its frame address against vmctx->stack_limit, which
// depends on the thread: set it on the entered instance and on the instances
// whose functions it imports (transitively) before every entry. A function
// of an unrelated instance reached through a shared table keeps the limit
// of the thread that last entered its own instance; for single-threaded
// embedders (kiln run, executables, the spec tests) that is the same thing,
// and an overflow the check misses still faults into a trap.
void setStackLimits(kiln_vmctx* vmctx, uintptr_t limit) {
  if (!vmctx) return;
  vmctx->stack_limit = limit;
  if (InstanceData* inst = instanceOf(vmctx))
    for (kiln_vmctx* other : inst->linked) other->stack_limit = limit;
}

std::optional<Trap> callFunction(const kiln_func* func, kiln_val* args) {
  if (!func || !func->code || !func->array_call) {
    Trap trap;
    trap.code = KILN_TRAP_NULL_REFERENCE;
    return trap;
  }
  setStackLimits(func->vmctx, prepareThreadForWasm());
  RawTrap raw;
  if (callProtected(func, args, &raw)) return std::nullopt;
  return symbolizeTrap(raw);
}

std::string checkDescriptor(const kiln_module_desc* desc) {
  if (!desc) return "no module descriptor";
  if (desc->abi_version != KILN_ABI_VERSION)
    return "module was compiled for Kiln ABI " + std::to_string(desc->abi_version) + "; this runtime is ABI " +
           std::to_string(KILN_ABI_VERSION) + ": recompile it";
  if (desc->flags & ~KILN_FLAG_EXPLICIT_BOUNDS_CHECKS)
    return "module was compiled with options this runtime does not support (flags 0x" +
           [](uint32_t v) {
             char buf[16];
             snprintf(buf, sizeof buf, "%x", v);
             return std::string(buf);
           }(desc->flags) +
           "): recompile it";
  if (desc->num_memories > 1) return "module has " + std::to_string(desc->num_memories) +
                                     " memories; this runtime supports at most one";
  if (desc->vmctx_size < KILN_VMCTX_HEADER_SIZE) return "corrupt module descriptor: VM context too small";
  if (desc->num_imported_funcs > desc->num_funcs) return "corrupt module descriptor: function counts";
  for (uint32_t i = 0; i < desc->num_funcs; ++i)
    if (desc->funcs[i].type_index >= desc->num_types) return "corrupt module descriptor: function type";
  for (uint32_t i = 0; i < desc->num_globals; ++i) {
    const kiln_global_desc& g = desc->globals[i];
    uint32_t size = g.imported ? sizeof(void*) : KILN_GLOBAL_CELL_SIZE;
    if (g.vmctx_offset < KILN_VMCTX_HEADER_SIZE || uint64_t{g.vmctx_offset} + size > desc->vmctx_size)
      return "corrupt module descriptor: global " + std::to_string(i) + " lies outside the VM context";
  }
  if (desc->start_func >= 0 && static_cast<uint32_t>(desc->start_func) >= desc->num_funcs)
    return "corrupt module descriptor: start function";
  return {};
}

}  // namespace
}  // namespace rt

struct Instance::Impl {
  std::shared_ptr<InstanceData> data;
};

Instance::Instance(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Instance::~Instance() = default;

std::unique_ptr<Instance> Instance::create(const kiln_module_desc* desc, const ImportResolver& imports, void* host,
                                           InstantiateError* error) {
  InstantiateError localError;
  if (!error) error = &localError;
  *error = InstantiateError{};
  auto fail = [&](InstantiateError::Kind kind, std::string message) -> std::unique_ptr<Instance> {
    error->kind = kind;
    error->message = std::move(message);
    return nullptr;
  };
  if (std::string problem = rt::checkDescriptor(desc); !problem.empty())
    return fail(InstantiateError::Kind::Other, problem);

  auto inst = std::make_shared<InstanceData>(desc);
  // The VM context: header plus globals; cache-line aligned, zeroed.
  size_t vmctxSize = (desc->vmctx_size + 63) & ~size_t{63};
  inst->vmctx = static_cast<kiln_vmctx*>(aligned_alloc(64, vmctxSize));
  if (!inst->vmctx) return fail(InstantiateError::Kind::Other, "out of memory allocating the VM context");
  std::memset(inst->vmctx, 0, vmctxSize);
  kiln_vmctx* vmctx = inst->vmctx;
  vmctx->instance = inst.get();
  vmctx->host = host;

  inst->typeIds.resize(desc->num_types);
  for (uint32_t t = 0; t < desc->num_types; ++t) inst->typeIds[t] = rt::internType(desc->types[t]);
  inst->ownFuncs.reset(new kiln_func[desc->num_funcs ? desc->num_funcs : 1]());
  inst->funcs.assign(desc->num_funcs, nullptr);
  inst->tables.assign(desc->num_tables, nullptr);
  vmctx->type_ids = inst->typeIds.data();
  vmctx->funcs = inst->funcs.data();
  vmctx->tables = inst->tables.data();

  // Imports first: defined globals may read imported ones, and the segments
  // write to imported tables and memories.
  if (!rt::resolveImports(*inst, imports, error)) return nullptr;

  for (uint32_t i = 0; i < desc->num_funcs; ++i) {
    if (inst->funcs[i]) continue;
    const kiln_func_desc& fd = desc->funcs[i];
    if (!fd.code) return fail(InstantiateError::Kind::Other, "corrupt module descriptor: function " +
                                                                 std::to_string(i) + " has no code");
    kiln_func& f = inst->ownFuncs[i];
    f.code = fd.code;
    f.vmctx = vmctx;
    f.type_id = inst->typeIds[fd.type_index];
    f.array_call = desc->types[fd.type_index].array_call;
    inst->funcs[i] = &f;
  }

  for (uint32_t t = 0; t < desc->num_tables; ++t) {
    if (inst->tables[t]) continue;
    const kiln_table_desc& td = desc->tables[t];
    std::string problem;
    std::unique_ptr<rt::Table> table = rt::Table::create(td.elem_type, td.min, td.max, &problem);
    if (!table) return fail(InstantiateError::Kind::Other, problem);
    inst->tables[t] = table->get();
    inst->ownTables.push_back(std::move(table));
  }

  if (desc->num_memories == 1 && !desc->memories[0].imported) {
    std::string problem;
    inst->ownMemory = rt::Memory::create(desc->memories[0].min, desc->memories[0].max, &problem);
    if (!inst->ownMemory) return fail(InstantiateError::Kind::Other, problem);
    vmctx->memory = inst->ownMemory->get();
    vmctx->memory_base = vmctx->memory->base;
  }

  for (uint32_t g = 0; g < desc->num_globals; ++g) {
    const kiln_global_desc& gd = desc->globals[g];
    if (gd.imported) continue;
    *inst->globalCell(g) = rt::evalConstExpr(*inst, gd.init);
  }

  // From here on the instance's objects can be imported by others and its
  // code can run: register both.
  std::shared_ptr<void> owner = inst;
  auto own = [&](const void* begin, size_t size) {
    rt::registerOwned(begin, size, owner);
    inst->ownedRanges.push_back(begin);
  };
  own(vmctx, vmctxSize);
  own(inst->ownFuncs.get(), sizeof(kiln_func) * desc->num_funcs);
  for (auto& table : inst->ownTables) own(table->get(), sizeof(kiln_table));
  if (inst->ownMemory) own(inst->ownMemory->get(), sizeof(kiln_memory));
  rt::registerModuleCode(desc);
  inst->codeRegistered = true;
  for (uint32_t e = 0; e < desc->num_exports; ++e) inst->exportIndex.emplace(std::string_view(desc->exports[e].name, desc->exports[e].name_len), e);

  rt::evaluateElemSegments(*inst);
  if (!rt::applyActiveSegments(*inst, error)) {
    // Only imported tables can have received this instance's functions.
    for (uint32_t i = 0; i < desc->num_imports; ++i)
      if (desc->imports[i].kind == KILN_EXTERN_TABLE) {
        rt::keepFailedInstance(inst);
        break;
      }
    return nullptr;
  }

  if (desc->start_func >= 0) {
    std::optional<Trap> trap = rt::callFunction(inst->funcs[static_cast<uint32_t>(desc->start_func)], nullptr);
    if (trap) {
      error->kind = InstantiateError::Kind::Trap;
      error->message = trap->exitStatus ? "exit with status " + std::to_string(*trap->exitStatus)
                                        : std::string(trapMessage(trap->code));
      error->trap = std::move(trap);
      if (desc->num_imports > 0) rt::keepFailedInstance(inst);
      return nullptr;
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->data = std::move(inst);
  return std::unique_ptr<Instance>(new Instance(std::move(impl)));
}

const kiln_module_desc* Instance::module() const { return impl_->data->desc; }

kiln_vmctx* Instance::vmctx() { return impl_->data->vmctx; }

std::optional<Extern> Instance::exportNamed(std::string_view name) {
  const InstanceData& inst = *impl_->data;
  auto it = inst.exportIndex.find(name);
  if (it == inst.exportIndex.end()) return std::nullopt;
  const kiln_export_desc& e = inst.desc->exports[it->second];
  return rt::externFor(inst, static_cast<kiln_extern_kind>(e.kind), e.index);
}

std::vector<std::string> Instance::exportNames() const {
  const kiln_module_desc* desc = impl_->data->desc;
  std::vector<std::string> names;
  names.reserve(desc->num_exports);
  for (uint32_t e = 0; e < desc->num_exports; ++e) names.emplace_back(desc->exports[e].name, desc->exports[e].name_len);
  return names;
}

std::optional<Trap> Instance::call(const kiln_func* func, kiln_val* args) {
  // The callee may belong to another instance; this one's limit is set too
  // in case the callee reaches back into it.
  rt::setStackLimits(impl_->data->vmctx, rt::prepareThreadForWasm());
  return rt::callFunction(func, args);
}

void* hostEnv(const kiln_vmctx* vmctx, const void* envTag) {
  const InstanceData* inst = rt::instanceOf(vmctx);
  if (!inst) return nullptr;
  for (const auto& [tag, env] : inst->hostEnvs)
    if (tag == envTag) return env;
  return nullptr;
}

void exitGuest(int status) { rt::unwindExit(status); }

}  // namespace kiln
