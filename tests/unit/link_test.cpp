// The in-process linker: shared objects that load, executables that run,
// failures that leave no output. Objects are made at test time with the
// system C/C++ compiler (cc/c++, or $CC/$CXX); a runtime stand-in (two tiny
// archives) keeps these tests independent of the real runtime's progress.
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kiln_toolchain_files.h"
#include "link/link.h"

namespace {

namespace fs = std::filesystem;

class LinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kiln-link-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(path(name));
    out << text;
  }

  static std::string tool(const char* variable, const char* fallback) {
    const char* value = std::getenv(variable);
    return value && *value ? value : fallback;
  }

  // Runs a shell command; returns its exit status.
  static int shell(const std::string& command) {
    int status = std::system(command.c_str());
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }

  // Compiles `source` (C, or C++ if it ends in .cpp) into an object.
  std::string compile(const std::string& name, const std::string& source) const {
    const bool cxx = name.size() > 4 && name.compare(name.size() - 4, 4, ".cpp") == 0;
    write(name, source);
    std::string object = path(name + ".o");
    std::string command = (cxx ? tool("CXX", "c++") : tool("CC", "cc")) + " -fPIC -c -o '" + object + "' '" +
                          path(name) + "'";
    EXPECT_EQ(shell(command), 0) << command;
    return object;
  }

  // A stand-in runtime directory: libkiln-rt-main.a provides main (calling
  // kiln_test_entry, which the linked object defines), libkiln-rt.a a helper
  // that needs libstdc++.
  std::string fakeRuntime() const {
    std::string rtDir = path("runtime");
    fs::create_directories(rtDir);
    std::string mainObject = compile("rt_main.c",
                                     "int kiln_test_entry(int argc);\n"
                                     "int main(int argc, char** argv) { (void)argv; return kiln_test_entry(argc); }\n");
    std::string rtObject = compile("rt.cpp",
                                   "#include <string>\n"
                                   "extern \"C\" int kiln_test_helper(int x) {\n"
                                   "  std::string s(static_cast<size_t>(x), 'k');\n"
                                   "  return static_cast<int>(s.size()) + 10;\n"
                                   "}\n");
    std::string ar = tool("AR", "ar");
    EXPECT_EQ(shell(ar + " rcs '" + rtDir + "/libkiln-rt-main.a' '" + mainObject + "'"), 0);
    EXPECT_EQ(shell(ar + " rcs '" + rtDir + "/libkiln-rt.a' '" + rtObject + "'"), 0);
    return rtDir;
  }

  std::string dir_;
};

TEST_F(LinkTest, SharedObjectLoadsAndRuns) {
  std::string object = compile("answer.c",
                               "int kiln_test_value = 40;\n"
                               "int kiln_test_answer(int x) { return kiln_test_value + x; }\n");
  std::string output = path("answer.so");
  std::string error;
  ASSERT_TRUE(kiln::link::linkShared({object}, output, &error)) << error;
  ASSERT_TRUE(fs::exists(output));

  void* handle = ::dlopen(output.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << ::dlerror();
  auto answer = reinterpret_cast<int (*)(int)>(::dlsym(handle, "kiln_test_answer"));
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer(2), 42);
  ::dlclose(handle);

  // No temporary file is left beside the output.
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST_F(LinkTest, SharedObjectMayReferToTheLoadingProcess) {
  // Undefined symbols stay undefined for the loader to resolve, as
  // kiln_rt_* do against the kiln process.
  std::string object = compile("needs_host.c",
                               "int kiln_test_host_function(int);\n"
                               "int kiln_test_call_host(int x) { return kiln_test_host_function(x); }\n");
  std::string error;
  EXPECT_TRUE(kiln::link::linkShared({object}, path("needs_host.so"), &error)) << error;
}

TEST_F(LinkTest, LinkingAMissingObjectFailsWithoutOutput) {
  std::string output = path("missing.so");
  std::string missing = path("no-such-object.o");
  std::string error;
  EXPECT_FALSE(kiln::link::linkShared({missing}, output, &error));
  EXPECT_NE(error.find("no-such-object.o"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
  EXPECT_FALSE(fs::exists(output));
  // Nothing at all was left in the directory.
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(LinkTest, FailedLinkKeepsAnExistingOutputUntouched) {
  std::string output = path("keep.so");
  write("keep.so", "previous contents");
  std::string error;
  EXPECT_FALSE(kiln::link::linkShared({path("absent.o")}, output, &error));
  std::ifstream in(output);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "previous contents");
}

TEST_F(LinkTest, MalformedObjectFailsAndLinkerStaysUsable) {
  write("garbage.o", "\x7f" "ELF this is not really an object file");
  std::string error;
  EXPECT_FALSE(kiln::link::linkShared({path("garbage.o")}, path("garbage.so"), &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(fs::exists(path("garbage.so")));
  // lld ran in-process and must still work afterwards.
  std::string object = compile("after.c", "int kiln_test_after(void) { return 7; }\n");
  EXPECT_TRUE(kiln::link::linkShared({object}, path("after.so"), &error)) << error;
}

TEST_F(LinkTest, UnwritableOutputDirectoryIsReported) {
  std::string object = compile("w.c", "int kiln_test_w(void) { return 1; }\n");
  std::string error;
  EXPECT_FALSE(kiln::link::linkShared({object}, path("no-such-dir/w.so"), &error));
  EXPECT_NE(error.find("cannot write"), std::string::npos) << error;
}

TEST_F(LinkTest, DynamicExecutableRuns) {
  if (!KILN_TC_HAVE_DYNAMIC) GTEST_SKIP() << "configured without C runtime files";
  std::string object = compile("program.c",
                               "int kiln_test_helper(int);\n"
                               "int kiln_test_entry(int argc) { return kiln_test_helper(argc + 1); }\n");
  kiln::link::LinkOptions options;
  options.runtimeDir = fakeRuntime();
  std::string output = path("program");
  std::string error;
  ASSERT_TRUE(kiln::link::linkExecutable({object}, output, options, &error)) << error;
  // argc 3 -> helper(4) -> 14.
  EXPECT_EQ(shell("'" + output + "' a b"), 14);
}

TEST_F(LinkTest, StaticExecutableRuns) {
  if (!KILN_TC_HAVE_STATIC) GTEST_SKIP() << "configured without static C libraries";
  std::string object = compile("program.c",
                               "int kiln_test_helper(int);\n"
                               "int kiln_test_entry(int argc) { return kiln_test_helper(argc); }\n");
  kiln::link::LinkOptions options;
  options.runtimeDir = fakeRuntime();
  options.staticExecutable = true;
  std::string output = path("program-static");
  std::string error;
  ASSERT_TRUE(kiln::link::linkExecutable({object}, output, options, &error)) << error;
  EXPECT_EQ(shell("'" + output + "' x"), 12);
  // Fully static: no PT_INTERP program header (no dynamic loader).
  std::ifstream in(output, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 64u);
  uint64_t phoff;
  uint16_t phentsize, phnum;
  std::memcpy(&phoff, bytes.data() + 0x20, 8);
  std::memcpy(&phentsize, bytes.data() + 0x36, 2);
  std::memcpy(&phnum, bytes.data() + 0x38, 2);
  ASSERT_LE(phoff + uint64_t{phentsize} * phnum, bytes.size());
  for (uint16_t i = 0; i < phnum; ++i) {
    uint32_t type;
    std::memcpy(&type, bytes.data() + phoff + uint64_t{i} * phentsize, 4);
    EXPECT_NE(type, 3u) << "PT_INTERP in a static executable";
  }
}

TEST_F(LinkTest, ExecutableWithoutRuntimeNamesTheFix) {
  std::string object = compile("lonely.c", "int kiln_test_entry(int argc) { return argc; }\n");
  kiln::link::LinkOptions options;
  options.runtimeDir = path("empty-runtime");
  fs::create_directories(options.runtimeDir);
  std::string error;
  EXPECT_FALSE(kiln::link::linkExecutable({object}, path("lonely"), options, &error));
  EXPECT_NE(error.find("KILN_RUNTIME_DIR"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(path("lonely")));
}

TEST_F(LinkTest, FindRuntimeDirHonoursTheEnvironment) {
  std::string rtDir = path("rt");
  fs::create_directories(rtDir);
  write("rt/libkiln-rt.a", "!<arch>\n");
  const char* saved = std::getenv("KILN_RUNTIME_DIR");
  std::string savedValue = saved ? saved : "";
  ::setenv("KILN_RUNTIME_DIR", rtDir.c_str(), 1);
  EXPECT_EQ(kiln::link::findRuntimeDir(), rtDir);
  ::setenv("KILN_RUNTIME_DIR", path("nowhere").c_str(), 1);
  EXPECT_EQ(kiln::link::findRuntimeDir(), "");
  if (saved)
    ::setenv("KILN_RUNTIME_DIR", savedValue.c_str(), 1);
  else
    ::unsetenv("KILN_RUNTIME_DIR");
}

}  // namespace
