// The spec tests' host module "spectest": print functions, global_i32/i64/
// f32/f64 (666 and 666.6), a funcref table of 10..20 elements and a memory
// of 1..2 pages.
#pragma once

#include <optional>
#include <string_view>

#include "kiln/kiln.hpp"

namespace kiln::spec {

class SpectestHost {
 public:
  // Makes the host objects in `store`, where the script's instances live.
  explicit SpectestHost(Store& store);
  std::optional<HostFunc> func(std::string_view name) const;
  std::optional<Extern> external(std::string_view name) const;

 private:
  std::optional<Extern> table_, memory_;
  Extern globalI32_, globalI64_, globalF32_, globalF64_;
};

}  // namespace kiln::spec
