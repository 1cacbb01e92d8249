// PreparedModule's state (prepared_module.cpp), read by instantiation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"
#include "rt_memory.h"

namespace kiln {

struct PreparedModule::Impl {
  ~Impl();
  const kiln_module_desc* desc = nullptr;
  bool codeRegistered = false;               // registerModuleCode(desc), undone by the destructor
  std::vector<uint32_t> typeIds;             // canonical id of each of the module's types
  std::unique_ptr<rt::MemoryImage> image;    // null: the data segments are copied
};

namespace rt {
// Why the runtime refuses this descriptor, or "" (instance.cpp).
std::string checkDescriptor(const kiln_module_desc* desc);
}  // namespace rt

}  // namespace kiln
