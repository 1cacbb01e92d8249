// Values on the command line: parsing `kiln run --invoke` arguments by
// parameter type, and printing results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kiln/abi.h"

namespace kiln::driver {

// "i32", "f64", "v128", "funcref", ...
const char* valTypeName(uint8_t type);

// Parses `text` as a value of `type` (a kiln_valtype):
//   i32, i64  decimal, signed or unsigned range ("-1", "4294967295"), or 0x hex
//   f32, f64  decimal or hex float, "inf", "-inf", "nan", "nan:0x<payload>"
//   funcref, externref  only "null"
// On failure returns nullopt with a reason in *error.
std::optional<kiln_val> parseValue(std::string_view text, uint8_t type, std::string* error);

// Integers as signed decimal; floats in the shortest form that reads back
// to the same value ("0.1", "1e+100", "inf", "-nan", "nan:0x200000").
std::string formatValue(const kiln_val& value, uint8_t type);

}  // namespace kiln::driver
