// Canonical signature ids: every distinct (params, results) list gets one id,
// process-wide, so call_indirect compares one integer and functions from
// different modules with the same signature are interchangeable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/abi.h"

namespace kiln::rt {

// Thread-safe. Ids start at 1; 0 never names a signature.
uint32_t internSignature(const uint8_t* params, size_t numParams, const uint8_t* results, size_t numResults);
uint32_t internType(const kiln_type_desc& type);
// The params and results of an id returned by internSignature; false for an
// unknown id.
bool signatureOf(uint32_t id, std::vector<uint8_t>* params, std::vector<uint8_t>* results);

}  // namespace kiln::rt
