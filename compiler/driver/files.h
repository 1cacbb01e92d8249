// File handling for the driver: reading inputs with precise errors, private
// temporary directories, and outputs that appear whole or not at all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class raw_pwrite_stream;
}

namespace kiln::driver {

// The whole file. Throws DriverError "cannot read 'x': <reason>".
std::vector<uint8_t> readFile(const std::string& path);

// A fresh private directory (mode 0700) under $TMPDIR or /tmp, removed with
// everything in it on destruction.
class TempDir {
 public:
  TempDir();  // throws DriverError
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `path` through a temporary file beside it, renamed over `path` by
// commit(). Destroyed without commit() (an error, an exception), it leaves
// nothing behind; the temporary is also removed if kiln is killed or LLVM
// hits a fatal error. Throws DriverError "cannot write 'x': <reason>".
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  llvm::raw_pwrite_stream& stream();
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The last component of `path` without its extension: "dir/app.wasm" -> "app".
std::string fileStem(const std::string& path);

// True when both name the same existing file.
bool sameFile(const std::string& a, const std::string& b);

}  // namespace kiln::driver
