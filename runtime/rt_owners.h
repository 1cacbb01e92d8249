// Who owns a runtime object that another instance imports.
//
// Imports hold raw pointers (kiln_func*, kiln_table*, kiln_memory*,
// kiln_val*). So that an exporter (an instance or a HostStore) outlives
// every instance importing from it, owners register the address ranges of
// the objects they hand out, and the importer keeps a reference to the
// owner it finds here.
#pragma once

#include <cstddef>
#include <memory>

namespace kiln::rt {

void registerOwned(const void* begin, size_t size, std::weak_ptr<void> owner);
void unregisterOwned(const void* begin);
// The owner of the registered range holding ptr, or nullptr (not registered,
// e.g. an object the embedder made itself, or the owner is being destroyed).
std::shared_ptr<void> ownerOf(const void* ptr);

}  // namespace kiln::rt
