#include "wasm/module.h"

namespace kiln::wasm {

std::string Module::displayFuncName(uint32_t funcIndex) const {
  if (auto it = funcNames.find(funcIndex); it != funcNames.end() && !it->second.empty()) return it->second;
  for (const Export& e : exports)
    if (e.kind == ExternKind::Func && e.index == funcIndex) return e.name;
  return "func[" + std::to_string(funcIndex) + "]";
}

}  // namespace kiln::wasm
