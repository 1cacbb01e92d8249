// Runs one WebAssembly spec script (.wast) through Kiln's own AOT pipeline:
// wast2json converts it, every binary module is decoded, validated,
// compiled to native code, linked into one shared object and loaded, and
// every command is checked against the runtime. No interpreter, no shortcut.
#pragma once

#include <string>
#include <vector>

#include "codegen/codegen.h"

namespace kiln::spec {

struct RunnerOptions {
  codegen::Options codegen;
  std::string wast2json = "wast2json";
  // Commands allowed to fail, as "FILE.wast:LINE" (the expectations file);
  // a listed command that passes is a failure too, so the list only shrinks.
  std::vector<std::string> expectedFailures;
  bool verbose = false;  // print every failure (the default prints the first few)
};

struct FileResult {
  std::string file;  // base name, e.g. "i32.wast"
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  int expectedFailures = 0;   // failed, but listed in the expectations file
  std::vector<std::string> failures;  // "i32.wast:37: assert_return add: got i32:3, expected i32:2"
  std::vector<std::string> skipReasons;
  double seconds = 0;
};

FileResult runWastFile(const std::string& wastPath, const RunnerOptions& options);

// Reads an expectations file: one "FILE.wast:LINE  reason" per line, '#'
// comments and blank lines ignored.
std::vector<std::string> readExpectations(const std::string& path);

}  // namespace kiln::spec
