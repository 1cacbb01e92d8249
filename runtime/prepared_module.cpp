// PreparedModule (kiln.hpp): the instance-independent part of
// instantiation, done once per module.
//
// The memory image. A module qualifies when its memory is its own (not
// imported) and made for guard-page code, every active data segment has a
// constant offset and lies inside the initial memory (so applying them
// cannot fail, and their order is fixed), and it imports no table (so a
// failed instantiation, which a trapping element segment causes, is
// discarded: nothing outside can see that its memory already held the data
// that the spec says is written after the element segments). The segments
// are then written, in order, into an anonymous sealed file once; every
// instance maps it privately (rt_memory.h, memory.cpp).
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "rt_code_registry.h"
#include "rt_fd.h"
#include "rt_prepared.h"
#include "rt_types.h"

namespace kiln {
namespace {

std::atomic<uint64_t> gNextImageId{1};

bool qualifies(const kiln_module_desc* desc, uint64_t* imageBytes) {
  if (desc->num_memories != 1 || desc->memories[0].imported) return false;
  if (desc->flags & KILN_FLAG_EXPLICIT_BOUNDS_CHECKS) return false;
  for (uint32_t i = 0; i < desc->num_imports; ++i)
    if (desc->imports[i].kind == KILN_EXTERN_TABLE) return false;
  const uint64_t initial = desc->memories[0].min * KILN_WASM_PAGE_SIZE;
  uint64_t end = 0;
  bool any = false;
  for (uint32_t d = 0; d < desc->num_datas; ++d) {
    const kiln_data_desc& seg = desc->datas[d];
    if (seg.mode != KILN_SEGMENT_ACTIVE) continue;
    if (seg.memory_index != 0 || seg.offset.kind != KILN_CONST_I32) return false;
    uint64_t offset = static_cast<uint32_t>(seg.offset.bits);
    if (offset + seg.size > initial) return false;
    if (seg.size) {
      any = true;
      end = std::max(end, offset + seg.size);
    }
  }
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  *imageBytes = (end + page - 1) / page * page;
  return any && *imageBytes <= initial;
}

std::unique_ptr<rt::MemoryImage> makeImage(const kiln_module_desc* desc, uint64_t bytes, std::string* error) {
  auto image = std::make_unique<rt::MemoryImage>();
  image->fd = memfd_create("kiln-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (image->fd < 0 || ftruncate(image->fd, static_cast<off_t>(bytes)) != 0) {
    *error = std::string("cannot make a memory image: ") + strerror(errno);
    return nullptr;
  }
  for (uint32_t d = 0; d < desc->num_datas; ++d) {
    const kiln_data_desc& seg = desc->datas[d];
    if (seg.mode != KILN_SEGMENT_ACTIVE || !seg.size) continue;
    if (!rt::writeAllToFd(image->fd, seg.bytes, seg.size, static_cast<uint32_t>(seg.offset.bits))) {
      *error = std::string("cannot write a memory image: ") + strerror(errno);
      return nullptr;
    }
  }
  // Nothing may change it now: instances share its pages.
  fcntl(image->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  image->bytes = bytes;
  image->id = gNextImageId.fetch_add(1);
  return image;
}

}  // namespace

PreparedModule::Impl::~Impl() {
  if (codeRegistered) rt::unregisterModuleCode(desc);
}

PreparedModule::PreparedModule() : impl_(std::make_unique<Impl>()) {}
PreparedModule::~PreparedModule() = default;

const kiln_module_desc* PreparedModule::module() const { return impl_->desc; }
bool PreparedModule::hasMemoryImage() const { return impl_->image != nullptr; }

std::shared_ptr<const PreparedModule> PreparedModule::prepare(const kiln_module_desc* module, std::string* error) {
  std::string localError;
  if (!error) error = &localError;
  if (std::string problem = rt::checkDescriptor(module); !problem.empty()) {
    *error = problem;
    return nullptr;
  }
  std::shared_ptr<PreparedModule> prepared(new PreparedModule);
  Impl& impl = *prepared->impl_;
  impl.desc = module;
  impl.typeIds.resize(module->num_types);
  for (uint32_t t = 0; t < module->num_types; ++t) impl.typeIds[t] = rt::internType(module->types[t]);
  // Registered once, here, for every instance to come: registering per
  // instance takes the registry's lock and, when the module has no other
  // instance, changes the fault handler's table each time.
  rt::registerModuleCode(module);
  impl.codeRegistered = true;
  uint64_t bytes = 0;
  if (qualifies(module, &bytes)) {
    impl.image = makeImage(module, bytes, error);
    if (!impl.image) return nullptr;
  }
  return prepared;
}

}  // namespace kiln
