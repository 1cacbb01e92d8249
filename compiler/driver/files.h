// File handling for the driver: reading inputs with precise errors, private
// temporary directories, and outputs that appear whole or not at all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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
// Never replaces what is not a regular file: "-" is standard output, a
// symbolic link is written through (its target replaced, the link kept), a
// device or FIFO is written into (whole, at commit()), a directory is an
// error.
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

// Where output for `path` really goes: the target of a symbolic link (the
// chain followed), `path` itself otherwise ("-": standard output).
std::string resolveOutput(const std::string& path);
// Whether that is written into rather than replaced: standard output, a
// device, a FIFO. Throws DriverError for a directory.
bool isDirectOutput(const std::string& resolved);
// Writes `bytes` into such an output.
void writeDirect(const std::string& resolved, std::string_view bytes);

// The last component of `path` without its extension: "dir/app.wasm" -> "app".
std::string fileStem(const std::string& path);

// True when both name the same existing file.
bool sameFile(const std::string& a, const std::string& b);

}  // namespace kiln::driver
