// Registered compiled-code ranges (see rt_code_registry.h).
#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "rt_code_registry.h"
#include "rt_range_registry.h"

namespace kiln::rt {
namespace {

struct ModuleEntry {
  size_t refs = 0;
  uintptr_t begin = 0, end = 0;
  size_t handle = 0;
  // (code address, function index), sorted; built on first symbolization.
  std::vector<std::pair<uintptr_t, uint32_t>> functions;
  bool functionsBuilt = false;
};

struct CodeRegistry {
  RangeRegistry ranges;
  std::mutex mutex;
  std::map<const kiln_module_desc*, ModuleEntry> modules;
};

CodeRegistry& registry() {
  static CodeRegistry* instance = new CodeRegistry;  // read by the fault handler until exit
  return *instance;
}

}  // namespace

void registerModuleCode(const kiln_module_desc* module) {
  auto begin = reinterpret_cast<uintptr_t>(module->code_begin);
  auto end = reinterpret_cast<uintptr_t>(module->code_end);
  if (begin == 0 || end <= begin) return;
  CodeRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  ModuleEntry& entry = reg.modules[module];
  if (entry.refs++ == 0) {
    entry.handle = reg.ranges.add(begin, end, module);
    entry.begin = begin;
    entry.end = end;
  }
}

void unregisterModuleCode(const kiln_module_desc* module) {
  CodeRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  auto it = reg.modules.find(module);
  if (it == reg.modules.end()) return;
  if (--it->second.refs == 0) {
    reg.ranges.remove(it->second.handle);
    reg.modules.erase(it);
  }
}

bool isCompiledCode(uintptr_t pc, uintptr_t* begin, uintptr_t* end) {
  return registry().ranges.find(pc, begin, end) != nullptr;
}

namespace {
struct FunctionAt {
  const kiln_module_desc* module = nullptr;
  uintptr_t address = 0;
  uint32_t index = 0;
};

FunctionAt lookupFunction(uintptr_t pc) {
  CodeRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  FunctionAt best;
  for (auto& [module, entry] : reg.modules) {
    if (pc < entry.begin || pc >= entry.end) continue;
    if (!entry.functionsBuilt) {
      for (uint32_t i = 0; i < module->num_funcs; ++i) {
        if (module->funcs[i].code)
          entry.functions.emplace_back(reinterpret_cast<uintptr_t>(module->funcs[i].code), i);
      }
      std::sort(entry.functions.begin(), entry.functions.end());
      entry.functionsBuilt = true;
    }
    auto after = std::upper_bound(entry.functions.begin(), entry.functions.end(), std::make_pair(pc, UINT32_MAX));
    if (after == entry.functions.begin()) continue;
    auto found = std::prev(after);
    if (!best.module || found->first > best.address) best = {module, found->first, found->second};
  }
  return best;
}
}  // namespace

std::string functionNameForPc(uintptr_t pc) {
  FunctionAt best = lookupFunction(pc);
  if (!best.module) return "<unknown>";
  const char* name = best.module->funcs[best.index].name;
  if (name && *name) return name;
  return "func[" + std::to_string(best.index) + "]";
}

uintptr_t functionStartForPc(uintptr_t pc) { return lookupFunction(pc).address; }

Trap::Origin functionForPc(uintptr_t pc) {
  FunctionAt best = lookupFunction(pc);
  if (!best.module) return {};
  return {best.module, best.index};
}

}  // namespace kiln::rt
