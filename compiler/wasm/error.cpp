#include "wasm/error.h"

#include <cstdio>

namespace kiln::wasm {

std::string Error::describe() const {
  char offset[32];
  std::snprintf(offset, sizeof offset, "0x%llx", static_cast<unsigned long long>(offset_));
  std::string out = kind_ == Kind::Malformed ? "malformed module" : "invalid module";
  out += " at offset ";
  out += offset;
  out += ": ";
  out += what();
  return out;
}

}  // namespace kiln::wasm
