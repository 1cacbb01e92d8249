// Errors from decoding and validation: what went wrong and where (a byte
// offset into the module), so the CLI can print one precise line.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace kiln::wasm {

class Error : public std::runtime_error {
 public:
  enum class Kind { Malformed, Invalid };
  Error(Kind kind, uint64_t offset, const std::string& message)
      : std::runtime_error(message), kind_(kind), offset_(offset) {}
  Kind kind() const { return kind_; }
  uint64_t offset() const { return offset_; }
  // "malformed module at offset 0x1f: unexpected end of section"
  std::string describe() const;

 private:
  Kind kind_;
  uint64_t offset_;
};

}  // namespace kiln::wasm
