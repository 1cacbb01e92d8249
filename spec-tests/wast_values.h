// Values in wast2json's JSON: parsing arguments, matching results (NaN
// patterns, lane-wise v128, references) and printing them in failures.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "kiln/abi.h"

namespace kiln::spec {

// The host value of `ref.extern N`: any non-null pointer that maps back to N.
void* externRef(uint64_t n);

// Parses an argument ({"type": "i32", "value": "7"}); throws on bad JSON.
kiln_val parseValue(const nlohmann::json& v);

// Whether an actual result matches the expectation (which may be a NaN
// pattern, a lane-wise v128, "null", or a bare funcref meaning "any").
bool matches(const nlohmann::json& expected, const kiln_val& actual);

// "i32:7", "f32:0x7fc00000", "externref:3", "v128:..." for messages.
std::string formatValue(const std::string& type, const kiln_val& v);
std::string formatExpected(const nlohmann::json& expected);

}  // namespace kiln::spec
