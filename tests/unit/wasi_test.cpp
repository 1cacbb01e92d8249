// The WASI layer below the guest ABI: sandboxed path resolution (against
// real directory trees with symlinks, including trees that change under
// it), fd_readdir's encoding, the descriptor table, the I/O core (fd
// streams, file arrays, array cursors, SIGPIPE), guest-pointer checks
// through an instance's vmctx, and calls through a vmctx with no WASI state.
// End-to-end behaviour is in tests/e2e/cases/wasi_*; blocking calls that a
// store's interrupt or deadline ends are in host_wait_test.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../../runtime/io/io.h"
#include "../../runtime/main/grants.h"
#include "../../runtime/wasi/rt_wasi.h"
#include "../../runtime/wasi/wasi_path.h"

namespace {

namespace fs = std::filesystem;
using kiln::wasi::DirEntry;
using kiln::wasi::ResolvedPath;
using kiln::wasi::resolvePath;

// A scratch tree:
//   outside.txt
//   root/                 <- the "preopen"
//     file.txt            "in root"
//     a/b/deep.txt        "deep"
//     a/up -> ..          (a symlink back to root)
//     link_in -> a/b/deep.txt
//     link_dir -> a/b
//     link_abs -> /etc
//     link_out -> ../outside.txt
//     a/climb -> ../../outside.txt
//     chain1 -> chain2 -> a/chain3 -> ../link_out
//     loop1 <-> loop2
//     self -> self
//     dangling -> missing.txt
class Tree : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kiln-wasi-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    fs::create_directories(root_ / "a" / "b");
    write(base_ / "outside.txt", "outside");
    write(root_ / "file.txt", "in root");
    write(root_ / "a" / "b" / "deep.txt", "deep");
    fs::create_directory_symlink("..", root_ / "a" / "up");
    fs::create_symlink("a/b/deep.txt", root_ / "link_in");
    fs::create_directory_symlink("a/b", root_ / "link_dir");
    fs::create_directory_symlink("/etc", root_ / "link_abs");
    fs::create_symlink("../outside.txt", root_ / "link_out");
    fs::create_symlink("../../outside.txt", root_ / "a" / "climb");
    fs::create_symlink("chain2", root_ / "chain1");
    fs::create_symlink("a/chain3", root_ / "chain2");
    fs::create_symlink("../link_out", root_ / "a" / "chain3");
    fs::create_symlink("loop2", root_ / "loop1");
    fs::create_symlink("loop1", root_ / "loop2");
    fs::create_symlink("self", root_ / "self");
    fs::create_symlink("missing.txt", root_ / "dangling");
    rootFd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(rootFd_, 0);
  }
  void TearDown() override {
    if (rootFd_ >= 0) ::close(rootFd_);
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  // The errno of resolving `path`, or "where it leads": the contents of the
  // file the result names (read through the returned parent descriptor).
  std::string resolve(const std::string& path, bool follow = true) {
    ResolvedPath r;
    int32_t e = resolvePath(rootFd_, path, follow, &r);
    if (e != kiln::wasi::kSuccess) return "errno " + std::to_string(e);
    int fd = ::openat(r.dirFd, r.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return "name " + r.name + (r.mustBeDirectory ? "/" : "") + " (" + std::strerror(errno) + ")";
    char buf[64] = {0};
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n < 0) return "directory " + r.name;
    return std::string(buf, static_cast<size_t>(n));
  }

  fs::path base_, root_;
  int rootFd_ = -1;
};

TEST_F(Tree, PlainPaths) {
  EXPECT_EQ(resolve("file.txt"), "in root");
  EXPECT_EQ(resolve("a/b/deep.txt"), "deep");
  EXPECT_EQ(resolve("./a//b/./deep.txt"), "deep");
  EXPECT_EQ(resolve("a/b/../../file.txt"), "in root");
  EXPECT_EQ(resolve("a/b/../b/deep.txt"), "deep");
  EXPECT_EQ(resolve("."), "directory .");
  EXPECT_EQ(resolve("a/.."), "directory .");
  EXPECT_EQ(resolve("a/b/."), "directory .");
  EXPECT_EQ(resolve("missing.txt"), "name missing.txt (No such file or directory)");
}

// Leaving the directory is EPERM, as in Wasmtime (cap-std's escape error).
TEST_F(Tree, RefusesToLeave) {
  const std::string notPermitted = "errno " + std::to_string(kiln::wasi::kEperm);
  EXPECT_EQ(resolve(".."), notPermitted);
  EXPECT_EQ(resolve("../outside.txt"), notPermitted);
  EXPECT_EQ(resolve("a/../../outside.txt"), notPermitted);
  EXPECT_EQ(resolve("a/b/../../../root/file.txt"), notPermitted);
  EXPECT_EQ(resolve("/etc/passwd"), notPermitted);
  EXPECT_EQ(resolve("/"), notPermitted);
  EXPECT_EQ(resolve("link_abs/passwd"), notPermitted);
  EXPECT_EQ(resolve("link_abs"), notPermitted);
  EXPECT_EQ(resolve("link_out"), notPermitted);
  EXPECT_EQ(resolve("a/climb"), notPermitted);
  EXPECT_EQ(resolve("chain1"), notPermitted);
  EXPECT_EQ(resolve("a/up/../outside.txt"), notPermitted);  // up -> .. is root; root/.. is out
  EXPECT_EQ(resolve("a/up/link_out"), notPermitted);
}

TEST_F(Tree, FollowsSymlinksInside) {
  EXPECT_EQ(resolve("link_in"), "deep");
  EXPECT_EQ(resolve("link_dir/deep.txt"), "deep");
  // ".." after a symlinked directory goes up from where the link led (a/b),
  // not from where the link is.
  EXPECT_EQ(resolve("link_dir/../b/deep.txt"), "deep");
  EXPECT_EQ(resolve("a/up/file.txt"), "in root");
  EXPECT_EQ(resolve("a/up/a/up/a/b/deep.txt"), "deep");
}

TEST_F(Tree, FinalSymlinkOnlyWhenAsked) {
  // Not following: the link itself is the target (opening it with
  // O_NOFOLLOW fails), even when it points outside.
  EXPECT_EQ(resolve("link_abs", false), "name link_abs (Too many levels of symbolic links)");
  EXPECT_EQ(resolve("link_out", false), "name link_out (Too many levels of symbolic links)");
  EXPECT_EQ(resolve("link_in", false), "name link_in (Too many levels of symbolic links)");
  // Intermediate links are always followed.
  EXPECT_EQ(resolve("link_dir/deep.txt", false), "deep");
  // A dangling link leads to the missing name, in the link's directory.
  EXPECT_EQ(resolve("dangling"), "name missing.txt (No such file or directory)");
}

TEST_F(Tree, LoopsAndLimits) {
  const std::string loop = "errno " + std::to_string(kiln::wasi::kEloop);
  EXPECT_EQ(resolve("loop1"), loop);
  EXPECT_EQ(resolve("self"), loop);
  EXPECT_EQ(resolve("loop1/x"), loop);
  // 40 links in a row resolve; 41 do not.
  for (int i = 0; i < 41; ++i)
    fs::create_symlink(i == 0 ? std::string("file.txt") : "hop" + std::to_string(i - 1), root_ / ("hop" + std::to_string(i)));
  EXPECT_EQ(resolve("hop39"), "in root");
  EXPECT_EQ(resolve("hop40"), loop);
  EXPECT_EQ(resolve(std::string(256, 'x')), "errno " + std::to_string(kiln::wasi::kEnametoolong));
  EXPECT_EQ(resolve(""), "errno " + std::to_string(kiln::wasi::kEnoent));
  EXPECT_EQ(resolve(std::string("file.txt\0x", 10)), "errno " + std::to_string(kiln::wasi::kEinval));
}

TEST_F(Tree, NotADirectoryOnTheWay) {
  EXPECT_EQ(resolve("file.txt/x"), "errno " + std::to_string(kiln::wasi::kEnotdir));
  EXPECT_EQ(resolve("link_in/x"), "errno " + std::to_string(kiln::wasi::kEnotdir));
  EXPECT_EQ(resolve("missing/x"), "errno " + std::to_string(kiln::wasi::kEnoent));
  // ".." and "." after a file do not cancel it: the file is walked into
  // first (POSIX, Wasmtime). A purely textual resolver would open file.txt.
  EXPECT_EQ(resolve("file.txt/../file.txt"), "errno " + std::to_string(kiln::wasi::kEnotdir));
  EXPECT_EQ(resolve("file.txt/."), "errno " + std::to_string(kiln::wasi::kEnotdir));
  EXPECT_EQ(resolve("missing/../file.txt"), "errno " + std::to_string(kiln::wasi::kEnoent));
  EXPECT_EQ(resolve("dangling/x"), "errno " + std::to_string(kiln::wasi::kEnoent));
  EXPECT_EQ(resolve("self/x"), "errno " + std::to_string(kiln::wasi::kEloop));
}

TEST_F(Tree, TrailingSlash) {
  ResolvedPath r;
  ASSERT_EQ(resolvePath(rootFd_, "a/b/", false, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "b");
  EXPECT_TRUE(r.mustBeDirectory);
  ASSERT_EQ(resolvePath(rootFd_, "file.txt", false, &r), kiln::wasi::kSuccess);
  EXPECT_FALSE(r.mustBeDirectory);
  // The '/' is never handed to the kernel (it would follow a final link).
  ASSERT_EQ(resolvePath(rootFd_, "link_abs/", false, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "link_abs");
  EXPECT_EQ(resolvePath(rootFd_, "link_abs/", true, &r), kiln::wasi::kEperm);
}

// A trailing '/' on a followed link carries over to what the link names, so
// that the operation checks the target: "link_in/" is a file (ENOTDIR in
// path_open, path_filestat_get, path_readlink), "link_dir/" a directory,
// "dangling/" nothing (ENOENT, or EEXIST/ENOENT for a name to create).
TEST_F(Tree, TrailingSlashOnAFollowedLink) {
  ResolvedPath r;
  ASSERT_EQ(resolvePath(rootFd_, "link_dir/", true, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "b");
  EXPECT_TRUE(r.mustBeDirectory);
  ASSERT_EQ(resolvePath(rootFd_, "link_in/", true, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "deep.txt");
  EXPECT_TRUE(r.mustBeDirectory);
  ASSERT_EQ(resolvePath(rootFd_, "dangling/", true, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "missing.txt");
  EXPECT_TRUE(r.mustBeDirectory);
  // Not following: the link itself, still with the '/' noted.
  ASSERT_EQ(resolvePath(rootFd_, "link_in/", false, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "link_in");
  EXPECT_TRUE(r.mustBeDirectory);
  EXPECT_EQ(resolvePath(rootFd_, "self/", true, &r), kiln::wasi::kEloop);
}

TEST_F(Tree, ParentDescriptorIsTheRealParent) {
  ResolvedPath r;
  ASSERT_EQ(resolvePath(rootFd_, "link_dir/deep.txt", true, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.name, "deep.txt");
  struct stat viaResult, direct;
  ASSERT_EQ(::fstat(r.dirFd, &viaResult), 0);
  ASSERT_EQ(::stat((root_ / "a" / "b").c_str(), &direct), 0);
  EXPECT_EQ(viaResult.st_ino, direct.st_ino);
  EXPECT_GE(r.parent.get(), 0);
  // A name directly in the root: the root itself, borrowed, not owned.
  ASSERT_EQ(resolvePath(rootFd_, "file.txt", true, &r), kiln::wasi::kSuccess);
  EXPECT_EQ(r.dirFd, rootFd_);
  EXPECT_EQ(r.parent.get(), -1);
}

// The host changes the tree while the guest holds descriptors into it: a
// descriptor for a directory that is moved elsewhere (even outside the
// preopen) still confines resolution to that directory, because ".." is
// never asked of the kernel.
TEST_F(Tree, MovedDirectoriesDoNotOpenAWayOut) {
  int sub = ::openat(rootFd_, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(sub, 0);
  fs::rename(root_ / "a", base_ / "moved_a");  // now beside outside.txt
  ResolvedPath r;
  EXPECT_EQ(resolvePath(sub, "../outside.txt", true, &r), kiln::wasi::kEperm);
  EXPECT_EQ(resolvePath(sub, "b/../../outside.txt", true, &r), kiln::wasi::kEperm);
  EXPECT_EQ(resolvePath(sub, "climb", true, &r), kiln::wasi::kEperm);
  ASSERT_EQ(resolvePath(sub, "b/deep.txt", true, &r), kiln::wasi::kSuccess);
  ::close(sub);

  // A directory swapped for a symlink to /etc between two resolutions: the
  // second walk sees the link and refuses it.
  fs::create_directories(root_ / "swap");
  ASSERT_EQ(resolvePath(rootFd_, "swap/x", true, &r), kiln::wasi::kSuccess);
  fs::remove(root_ / "swap");
  fs::create_directory_symlink("/etc", root_ / "swap");
  EXPECT_EQ(resolvePath(rootFd_, "swap/passwd", true, &r), kiln::wasi::kEperm);
}

// A racing thread keeps flipping a path component between a real
// directory and a symlink to "/"; no resolution may ever land outside.
TEST_F(Tree, RacingSwapsNeverEscape) {
  fs::create_directories(root_ / "real");
  write(root_ / "real" / "passwd", "sandboxed");
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    std::error_code ec;
    while (!stop) {
      fs::rename(root_ / "real", root_ / "spare", ec);
      fs::create_directory_symlink("/etc", root_ / "real", ec);
      fs::remove(root_ / "real", ec);
      fs::rename(root_ / "spare", root_ / "real", ec);
    }
  });
  struct stat hostPasswd;
  ASSERT_EQ(::stat("/etc/passwd", &hostPasswd), 0);
  int escapes = 0;
  for (int i = 0; i < 3000; ++i) {
    ResolvedPath r;
    if (resolvePath(rootFd_, "real/passwd", true, &r) != kiln::wasi::kSuccess) continue;
    struct stat st;
    if (::fstatat(r.dirFd, r.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == hostPasswd.st_ino &&
        st.st_dev == hostPasswd.st_dev)
      ++escapes;
  }
  stop = true;
  flipper.join();
  EXPECT_EQ(escapes, 0);
}

TEST_F(Tree, ListDirectory) {
  std::vector<DirEntry> entries;
  ASSERT_EQ(kiln::wasi::listDirectory(rootFd_, &entries), kiln::wasi::kSuccess);
  std::map<std::string, DirEntry> byName;
  for (const DirEntry& e : entries) byName[e.name] = e;
  ASSERT_TRUE(byName.count("."));
  ASSERT_TRUE(byName.count(".."));
  EXPECT_EQ(byName["file.txt"].type, kiln::wasi::kFiletypeRegularFile);
  EXPECT_EQ(byName["a"].type, kiln::wasi::kFiletypeDirectory);
  EXPECT_EQ(byName["link_abs"].type, kiln::wasi::kFiletypeSymbolicLink);
  struct stat st;
  ASSERT_EQ(::stat((root_ / "file.txt").c_str(), &st), 0);
  EXPECT_EQ(byName["file.txt"].ino, st.st_ino);
  EXPECT_EQ(entries.size(), 14u);  // 12 names, "." and ".."
}

// ---- fd_readdir's encoding ------------------------------------------------

std::vector<uint8_t> encodeAll(const std::vector<DirEntry>& entries, uint64_t cookie, size_t size) {
  std::vector<uint8_t> out(size, 0xcc);
  size_t used = kiln::wasi::encodeDirents(entries, cookie, out);
  out.resize(used);
  return out;
}

TEST(Dirents, Layout) {
  std::vector<DirEntry> entries = {{7, kiln::wasi::kFiletypeDirectory, "."},
                                   {0x1122334455667788ull, kiln::wasi::kFiletypeRegularFile, "name"}};
  std::vector<uint8_t> out = encodeAll(entries, 0, 1000);
  ASSERT_EQ(out.size(), 24u + 1 + 24 + 4);
  uint64_t next, ino;
  uint32_t namlen;
  std::memcpy(&next, &out[0], 8);
  std::memcpy(&ino, &out[8], 8);
  std::memcpy(&namlen, &out[16], 4);
  EXPECT_EQ(next, 1u);
  EXPECT_EQ(ino, 7u);
  EXPECT_EQ(namlen, 1u);
  EXPECT_EQ(out[20], kiln::wasi::kFiletypeDirectory);
  EXPECT_EQ(out[21], 0);  // padding is zero
  EXPECT_EQ(out[22], 0);
  EXPECT_EQ(out[23], 0);
  EXPECT_EQ(out[24], '.');
  std::memcpy(&next, &out[25], 8);
  std::memcpy(&ino, &out[33], 8);
  EXPECT_EQ(next, 2u);
  EXPECT_EQ(ino, 0x1122334455667788ull);
  EXPECT_EQ(out[45], kiln::wasi::kFiletypeRegularFile);
  EXPECT_EQ(std::string(out.begin() + 49, out.end()), "name");
}

TEST(Dirents, CutBuffersAreExactPrefixes) {
  std::vector<DirEntry> entries;
  for (int i = 0; i < 6; ++i) entries.push_back({uint64_t(100 + i), 4, std::string(size_t(i * 3), char('a' + i))});
  for (uint64_t cookie = 0; cookie <= entries.size() + 1; ++cookie) {
    const std::vector<uint8_t> whole = encodeAll(entries, cookie, 4096);
    for (size_t size = 0; size <= whole.size() + 3; ++size) {
      std::vector<uint8_t> part = encodeAll(entries, cookie, size);
      // The buffer is filled completely (the last entry cut) or the
      // listing ended.
      ASSERT_EQ(part.size(), std::min(size, whole.size())) << "cookie " << cookie << " size " << size;
      ASSERT_TRUE(std::equal(part.begin(), part.end(), whole.begin()));
    }
  }
  EXPECT_TRUE(encodeAll(entries, 6, 100).empty());
  EXPECT_TRUE(encodeAll(entries, 1000, 100).empty());
  EXPECT_TRUE(encodeAll({}, 0, 100).empty());
}

TEST(Dirents, CookiesResume) {
  std::vector<DirEntry> entries = {{1, 3, "."}, {2, 3, ".."}, {3, 4, "x"}, {4, 4, "yy"}};
  std::vector<uint8_t> whole = encodeAll(entries, 0, 4096);
  // From cookie 2 (after ".."): exactly the bytes from "x" on.
  std::vector<uint8_t> tail = encodeAll(entries, 2, 4096);
  ASSERT_EQ(tail.size(), 24u + 1 + 24 + 2);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), whole.end() - static_cast<long>(tail.size())));
}

// ---- Descriptor table -----------------------------------------------------

TEST(FdTable, LowestFreeNumberAndRenumber) {
  kiln::wasi::FdTable table;
  auto make = [](uint8_t type) {
    kiln::wasi::Descriptor d;
    d.filetype = type;
    return d;
  };
  EXPECT_EQ(table.insert(make(1)), 0u);
  EXPECT_EQ(table.insert(make(2)), 1u);
  EXPECT_EQ(table.insert(make(3)), 2u);
  EXPECT_TRUE(table.erase(1));
  EXPECT_FALSE(table.erase(1));
  EXPECT_EQ(table.get(1), nullptr);
  EXPECT_EQ(table.insert(make(4)), 1u);
  EXPECT_FALSE(table.renumber(0, 9));
  EXPECT_FALSE(table.renumber(9, 0));
  EXPECT_TRUE(table.renumber(2, 0));
  EXPECT_EQ(table.get(2), nullptr);
  ASSERT_NE(table.get(0), nullptr);
  EXPECT_EQ(table.get(0)->filetype, 3);
  EXPECT_EQ(table.get(-1), nullptr);
  EXPECT_TRUE(table.renumber(1, 1));
  EXPECT_EQ(table.get(1)->filetype, 4);
}

TEST(WasiState, StdioAndPreopens) {
  kiln::WasiOptions options;
  options.args = {"prog"};
  options.preopens = {{"/tmp", "/scratch", false}, {"/", "root", true}};
  std::string error;
  std::unique_ptr<kiln::WasiState> state = kiln::makeWasiState(options, &error);
  ASSERT_TRUE(state) << error;
  kiln::wasi::Descriptor* a = state->fds.get(3);
  kiln::wasi::Descriptor* b = state->fds.get(4);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a->preopenName, "/scratch");
  EXPECT_EQ(*b->preopenName, "root");
  EXPECT_TRUE(a->rightsInheriting & kiln::wasi::kRightFdWrite);
  EXPECT_FALSE(b->rightsInheriting & kiln::wasi::kWriteRights);
  EXPECT_FALSE(b->rightsBase & kiln::wasi::kWriteRights);
  EXPECT_TRUE(b->rightsBase & kiln::wasi::kRightPathOpen);

  options.preopens = {{"/nonexistent-kiln-dir", "", false}};
  EXPECT_FALSE(kiln::makeWasiState(options, &error));
  EXPECT_NE(error.find("/nonexistent-kiln-dir"), std::string::npos);
}

// ---- Guest memory checks, through an instance's vmctx ---------------------

// An instance with WASI bound (as wasiResolver binds it, through a store):
// one page of memory and one WASI import, so that hostEnv finds the state.
// No code: the tests call the host functions directly with its vmctx.
struct BoundGuest {
  const uint8_t types[5] = {KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I32};
  kiln_type_desc type{4, 1, types, nullptr, nullptr};
  kiln_import_desc import{"wasi_snapshot_preview1", "fd_write", 22, 8, KILN_EXTERN_FUNC, {}, 0};
  kiln_func_desc func{0, 0, nullptr, "fd_write"};
  kiln_memory_desc memory{0, {}, 1, 1};
  kiln_module_desc desc{};
  std::unique_ptr<kiln::WasiState> state;
  kiln::Store store;
  kiln::Instance* instance = nullptr;

  explicit BoundGuest(kiln::WasiOptions options = {{"prog"}, {}}) : state(kiln::makeWasiState(options)) {
    desc.abi_version = KILN_ABI_VERSION;
    desc.flags = KILN_FLAG_MEMORY_PAGE_CAP | KILN_FLAG_STACK_CHECKS | KILN_FLAG_FRAME_POINTERS;
    desc.kiln_version = "test";
    desc.vmctx_size = KILN_VMCTX_HEADER_SIZE;
    desc.num_types = 1;
    desc.types = &type;
    desc.num_imports = 1;
    desc.imports = &import;
    desc.num_funcs = 1;
    desc.num_imported_funcs = 1;
    desc.funcs = &func;
    desc.num_memories = 1;
    desc.memories = &memory;
    desc.start_func = -1;
    kiln::InstantiateError error;
    instance = store.instantiate(&desc, kiln::wasiResolver(*state), &error);
    EXPECT_TRUE(instance) << error.message;
  }
  kiln_vmctx* vmctx() { return instance->vmctx(); }
  uint8_t* bytes() { return instance->vmctx()->memory_base; }
};

// path_open's rules on directories and the rights asked for, called
// directly on a preopen (fd 3). The end-to-end case c_wasi_path_rules has
// one line per rule through a real program; this checks the descriptor that
// comes out too.
TEST(PathOpen, DirectoriesAndRights) {
  char pattern[] = "/tmp/kiln-wasi-open-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  ASSERT_EQ(::mkdir((dir + "/sub").c_str(), 0755), 0);
  std::ofstream(dir + "/file") << "x";
  kiln::WasiOptions options;
  options.args = {"prog"};
  options.preopens = {{dir, "/d", false}};
  BoundGuest g(options);
  ASSERT_TRUE(g.instance);
  kiln_vmctx* vm = g.vmctx();
  using namespace kiln::wasi;
  auto path = [&](const char* text) {
    std::memcpy(g.bytes() + 1000, text, std::strlen(text));
    return static_cast<int32_t>(std::strlen(text));
  };
  constexpr int32_t kDirectory = 2, kCreat = 1, kExcl = 4, kTrunc = 8;
  auto open = [&](const char* p, int32_t oflags, uint64_t base) {
    int32_t n = path(p);
    return path_open(vm, 3, 0, 1000, n, oflags, static_cast<int64_t>(base), 0, 0, 2000);
  };
  auto openedRights = [&]() {
    uint32_t fd;
    std::memcpy(&fd, g.bytes() + 2000, 4);
    EXPECT_EQ(fd_fdstat_get(vm, static_cast<int32_t>(fd), 2100), kSuccess);
    uint64_t rights;
    std::memcpy(&rights, g.bytes() + 2108, 8);
    EXPECT_EQ(fd_close(vm, static_cast<int32_t>(fd)), kSuccess);
    return rights;
  };

  // fd_write on a directory: EISDIR however the directory is named.
  EXPECT_EQ(open(".", kDirectory, kRightFdRead | kRightFdWrite), kEisdir);
  EXPECT_EQ(open("sub", kDirectory, kRightFdWrite), kEisdir);
  EXPECT_EQ(open("sub/", 0, kRightFdWrite), kEisdir);
  EXPECT_EQ(open("sub", 0, kRightFdWrite), kEisdir);
  // fd_read alone is fine, and no right at all.
  ASSERT_EQ(open(".", kDirectory, kRightFdRead), kSuccess);
  EXPECT_EQ(openedRights() & kRightFdRead, 0u);  // a directory has no fd_read
  ASSERT_EQ(open(".", kDirectory, 0), kSuccess);
  EXPECT_EQ(openedRights(), 0u);
  // A file's write rights other than fd_write open a directory for reading
  // and are dropped.
  ASSERT_EQ(open("sub", 0, kRightFdFilestatSetSize | kRightFdAllocate | kRightFdReaddir), kSuccess);
  EXPECT_EQ(openedRights(), kRightFdReaddir);
  // O_DIRECTORY with O_CREAT, O_EXCL or O_TRUNC: EINVAL, before the name.
  EXPECT_EQ(open("sub", kDirectory | kCreat, 0), kEinval);
  EXPECT_EQ(open("sub", kDirectory | kExcl, 0), kEinval);
  EXPECT_EQ(open("sub", kDirectory | kTrunc, 0), kEinval);
  EXPECT_EQ(open("missing", kDirectory | kTrunc, 0), kEinval);
  // A file: O_DIRECTORY, a trailing slash, a path through it: ENOTDIR.
  EXPECT_EQ(open("file", kDirectory, kRightFdRead | kRightFdWrite), kEnotdir);
  EXPECT_EQ(open("file/", 0, 0), kEnotdir);
  EXPECT_EQ(open("file/x", kCreat, 0), kEnotdir);
  // The file as the directory descriptor: ENOTDIR for path_open, EBADF for
  // the other path functions (Wasmtime).
  ASSERT_EQ(open("file", 0, kRightFdRead), kSuccess);
  uint32_t fileFd;
  std::memcpy(&fileFd, g.bytes() + 2000, 4);
  int32_t n = path("x");
  EXPECT_EQ(path_open(vm, static_cast<int32_t>(fileFd), 0, 1000, n, 0, 0, 0, 0, 2000), kEnotdir);
  EXPECT_EQ(path_filestat_get(vm, static_cast<int32_t>(fileFd), 0, 1000, n, 2200), kEbadf);
  EXPECT_EQ(path_create_directory(vm, static_cast<int32_t>(fileFd), 1000, n), kEbadf);
  EXPECT_EQ(path_filestat_get(vm, 99, 0, 1000, n, 2200), kEbadf);
  // fd_readdir on a file: EBADF (Wasmtime), not ENOTDIR.
  EXPECT_EQ(fd_readdir(vm, static_cast<int32_t>(fileFd), 3300, 64, 0, 3400), kEbadf);
  EXPECT_EQ(fd_close(vm, static_cast<int32_t>(fileFd)), kSuccess);
  // Anything else path_open opened (a FIFO) as the directory: ENOTDIR too.
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0644), 0);
  ASSERT_EQ(open("fifo", 0, kRightFdRead), kSuccess);
  uint32_t fifoFd;
  std::memcpy(&fifoFd, g.bytes() + 2000, 4);
  n = path("x");
  EXPECT_EQ(path_open(vm, static_cast<int32_t>(fifoFd), 0, 1000, n, 0, 0, 0, 0, 2000), kEnotdir);
  EXPECT_EQ(path_filestat_get(vm, static_cast<int32_t>(fifoFd), 0, 1000, n, 2200), kEbadf);
  EXPECT_EQ(fd_close(vm, static_cast<int32_t>(fifoFd)), kSuccess);

  // Rights. A directory descriptor of its own, which then gives up
  // path_filestat_set_size, path_create_file, path_create_directory and the
  // inheriting fd_allocate.
  n = path(".");
  ASSERT_EQ(path_open(vm, 3, 0, 1000, n, kDirectory, static_cast<int64_t>(kDirectoryRights),
                      static_cast<int64_t>(kFileRights), 0, 2000),
            kSuccess);
  uint32_t dirFd;
  std::memcpy(&dirFd, g.bytes() + 2000, 4);
  const auto d = static_cast<int32_t>(dirFd);
  const uint64_t dropped = kRightPathFilestatSetSize | kRightPathCreateFile | kRightPathCreateDirectory;
  ASSERT_EQ(fd_fdstat_set_rights(vm, d, static_cast<int64_t>(kDirectoryRights & ~dropped),
                                 static_cast<int64_t>(kFileRights & ~kRightFdAllocate)),
            kSuccess);
  auto openIn = [&](const char* p, int32_t oflags, uint64_t base) {
    int32_t len = path(p);
    return path_open(vm, d, 0, 1000, len, oflags, static_cast<int64_t>(base), 0, 0, 2000);
  };
  // A right the directory lacks: EPERM (Wasmtime's value; the older
  // wasi-testsuite's truncation_rights accepts only EPERM for O_TRUNC).
  EXPECT_EQ(openIn("file", kTrunc, 0), kEperm);
  EXPECT_EQ(openIn("new", kCreat, 0), kEperm);
  EXPECT_EQ(path_create_directory(vm, d, 1000, path("newdir")), kEperm);
  // A right the directory does not pass on: EPERM too.
  EXPECT_EQ(openIn("file", 0, kRightFdAllocate), kEperm);
  EXPECT_FALSE(fs::exists(dir + "/new"));
  EXPECT_FALSE(fs::exists(dir + "/newdir"));
  // A descriptor's own missing right: EBADF (path_open_read_without_rights).
  ASSERT_EQ(openIn("file", 0, kRightFdWrite), kSuccess);
  uint32_t writeOnly;
  std::memcpy(&writeOnly, g.bytes() + 2000, 4);
  const auto w = static_cast<int32_t>(writeOnly);
  const uint32_t iov[2] = {3100, 4};
  std::memcpy(g.bytes() + 3000, iov, sizeof iov);
  EXPECT_EQ(fd_read(vm, w, 3000, 1, 3200), kEbadf);
  EXPECT_EQ(fd_seek(vm, w, 0, 0, 3500), kEbadf);
  EXPECT_EQ(fd_filestat_get(vm, w, 2200), kEbadf);
  // Taking a right back stays ENOTCAPABLE (fd_fdstat_set_rights in the
  // wasi-testsuite accepts nothing else).
  EXPECT_EQ(fd_fdstat_set_rights(vm, w, static_cast<int64_t>(kRightFdWrite | kRightFdRead), 0), kEnotcapable);
  EXPECT_EQ(fd_close(vm, w), kSuccess);
  EXPECT_EQ(fd_close(vm, d), kSuccess);

  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(GuestPointers, OutOfRangeIsEfault) {
  BoundGuest g;
  ASSERT_TRUE(g.instance);
  kiln_vmctx* vm = g.vmctx();
  using namespace kiln::wasi;
  EXPECT_EQ(fd_fdstat_get(vm, 1, 65536 - 23), kEfault);
  EXPECT_EQ(fd_fdstat_get(vm, 1, 65536 - 24), kSuccess);
  EXPECT_EQ(fd_fdstat_get(vm, 1, -1), kEfault);
  EXPECT_EQ(clock_time_get(vm, 1, 0, 65530), kEfault);
  EXPECT_EQ(random_get(vm, 65000, 537), kEfault);
  EXPECT_EQ(random_get(vm, 65000, 536), kSuccess);
  // An iovec array in range whose buffer is not.
  uint32_t iov[2] = {65530, 16};
  std::memcpy(g.bytes() + 100, iov, 8);
  EXPECT_EQ(fd_write(vm, 1, 100, 1, 200), kEfault);
  EXPECT_EQ(fd_read(vm, 0, 100, 1, 200), kEfault);
  EXPECT_EQ(poll_oneoff(vm, 65536 - 47, 0, 1, 8), kEfault);
  EXPECT_EQ(fd_fdstat_get(vm, 77, 0), kEbadf);
  // A vmctx without memory: everything is out of range.
  kiln_vmctx bare{};
  EXPECT_EQ(clock_time_get(&bare, 1, 0, 0), kEfault);
  EXPECT_EQ(random_get(&bare, 0, 1), kEfault);
}

// Descriptors 0-2 as the embedder's objects (kiln serve): the guest reads
// the given bytes, then end of file; its writes reach the sinks, one of
// which refuses past a limit (ENOSPC); nothing reaches the process's stdio.
TEST(CallerStdio, ReadsBytesWritesToSinks) {
  std::string out, err;
  kiln::WasiOptions options{{"prog"}, {}};
  options.stdio = kiln::WasiStdio{"request body", [&](std::string_view b) {
                                    if (out.size() + b.size() > 8) return false;
                                    out.append(b);
                                    return true;
                                  },
                                  [&](std::string_view b) {
                                    err.append(b);
                                    return true;
                                  }};
  BoundGuest g(options);
  ASSERT_TRUE(g.instance);
  kiln_vmctx* vm = g.vmctx();
  using namespace kiln::wasi;
  uint8_t* mem = g.bytes();
  auto iov = [&](uint32_t at, uint32_t buf, uint32_t len) {
    std::memcpy(mem + at, &buf, 4);
    std::memcpy(mem + at + 4, &len, 4);
  };
  auto u32 = [&](uint32_t at) {
    uint32_t v;
    std::memcpy(&v, mem + at, 4);
    return v;
  };
  // Reads: "request " then "body", then end of file.
  iov(100, 1000, 8);
  ASSERT_EQ(fd_read(vm, 0, 100, 1, 200), kSuccess);
  EXPECT_EQ(u32(200), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(mem + 1000), 8), "request ");
  ASSERT_EQ(fd_read(vm, 0, 100, 1, 200), kSuccess);
  EXPECT_EQ(u32(200), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(mem + 1000), 4), "body");
  ASSERT_EQ(fd_read(vm, 0, 100, 1, 200), kSuccess);
  EXPECT_EQ(u32(200), 0u);
  // Writes: to the sinks; the output sink takes 8 bytes at most.
  std::memcpy(mem + 2000, "hello, world", 12);
  iov(100, 2000, 5);
  ASSERT_EQ(fd_write(vm, 1, 100, 1, 200), kSuccess);
  EXPECT_EQ(u32(200), 5u);
  ASSERT_EQ(fd_write(vm, 2, 100, 1, 200), kSuccess);
  iov(100, 2000, 12);
  EXPECT_EQ(fd_write(vm, 1, 100, 1, 200), kEnospc);
  EXPECT_EQ(out, "hello");
  EXPECT_EQ(err, "hello");
  // Each descriptor only goes one way, and is not a file: a missing right is
  // EBADF, as in Wasmtime.
  EXPECT_EQ(fd_write(vm, 0, 100, 1, 200), kEbadf);
  EXPECT_EQ(fd_read(vm, 1, 100, 1, 200), kEbadf);
  EXPECT_EQ(fd_filestat_get(vm, 1, 300), kEbadf);
  // Stdio as path_open's directory: EBADF (Wasmtime), not ENOTDIR.
  std::memcpy(mem + 1000, "x", 1);
  EXPECT_EQ(path_open(vm, 0, 0, 1000, 1, 0, 0, 0, 0, 300), kEbadf);
  EXPECT_EQ(path_open(vm, 1, 0, 1000, 1, 0, 0, 0, 0, 300), kEbadf);
  EXPECT_EQ(fd_readdir(vm, 1, 300, 64, 0, 400), kEbadf);
}

// ---- Calls with no WASI state ----------------------------------------------

// A hand-made vmctx: memory, but no instance, so no WASI state.
struct FakeGuest {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(65536);
  kiln_memory memory{};
  kiln_vmctx vmctx{};
  FakeGuest() {
    memory.base = bytes.data();
    memory.size = bytes.size();
    vmctx.memory_base = bytes.data();
    vmctx.memory = &memory;
  }
};

// Without a state a call reaches nothing: not the process's stdio (there is
// no fallback state standing in), no arguments, no environment.
TEST(Unbound, ReachesNothing) {
  FakeGuest g;
  using namespace kiln::wasi;
  std::memcpy(&g.bytes[1000], "must not appear\n", 16);
  uint32_t iov[2] = {1000, 16};
  std::memcpy(&g.bytes[100], iov, 8);
  for (int32_t fd : {0, 1, 2, 3}) {
    EXPECT_EQ(fd_write(&g.vmctx, fd, 100, 1, 200), kEbadf) << fd;
    EXPECT_EQ(fd_read(&g.vmctx, fd, 100, 1, 200), kEbadf) << fd;
    EXPECT_EQ(fd_fdstat_get(&g.vmctx, fd, 300), kEbadf) << fd;
    EXPECT_EQ(fd_filestat_get(&g.vmctx, fd, 300), kEbadf) << fd;
    EXPECT_EQ(fd_seek(&g.vmctx, fd, 0, 1, 300), kEbadf) << fd;
    EXPECT_EQ(fd_prestat_get(&g.vmctx, fd, 300), kEbadf) << fd;
    EXPECT_EQ(fd_readdir(&g.vmctx, fd, 300, 64, 0, 400), kEbadf) << fd;
    EXPECT_EQ(fd_close(&g.vmctx, fd), kEbadf) << fd;
    EXPECT_EQ(sock_recv(&g.vmctx, fd, 100, 1, 0, 300, 304), kEbadf) << fd;
    EXPECT_EQ(path_open(&g.vmctx, fd, 0, 1000, 4, 0, 0, 0, 0, 300), kEbadf) << fd;
  }
  EXPECT_EQ(fd_renumber(&g.vmctx, 1, 2), kEbadf);
  // No arguments, no environment.
  std::memset(&g.bytes[500], 0xff, 8);
  EXPECT_EQ(args_sizes_get(&g.vmctx, 500, 504), kSuccess);
  EXPECT_EQ(g.bytes[500] | g.bytes[504], 0);
  std::memset(&g.bytes[500], 0xff, 8);
  EXPECT_EQ(environ_sizes_get(&g.vmctx, 500, 504), kSuccess);
  EXPECT_EQ(g.bytes[500] | g.bytes[504], 0);
  EXPECT_EQ(args_get(&g.vmctx, 500, 600), kSuccess);
  // poll_oneoff on stdin: an EBADF event at once, not a wait on the real one.
  std::memset(&g.bytes[2000], 0, 48);
  g.bytes[2000 + 8] = 1;  // fd_read, fd 0
  EXPECT_EQ(poll_oneoff(&g.vmctx, 2000, 3000, 1, 700), kSuccess);
  uint32_t nevents;
  std::memcpy(&nevents, &g.bytes[700], 4);
  EXPECT_EQ(nevents, 1u);
  EXPECT_EQ(g.bytes[3000 + 8], kEbadf);
  // Outside any call into wasm proc_exit has nothing to end: it returns.
  proc_exit(&g.vmctx, 3);
  // Functions that need no state still work.
  EXPECT_EQ(clock_time_get(&g.vmctx, 1, 0, 800), kSuccess);
  EXPECT_EQ(random_get(&g.vmctx, 800, 16), kSuccess);
}

// ---- The I/O core ---------------------------------------------------------

TEST(IoCore, FileArrayAndCursor) {
  char path[] = "/tmp/kiln-io-test-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  std::shared_ptr<kiln::io::Array> array = kiln::io::fileArray(fd);
  EXPECT_EQ(array->hostFd(), fd);
  kiln::io::ArrayCursor cursor(array, false);
  const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(cursor.write(hello).value, 5u);
  EXPECT_EQ(cursor.position(), 5u);
  EXPECT_EQ(array->length().value, 5u);
  uint8_t buf[8] = {};
  EXPECT_EQ(cursor.read(buf).value, 0u);  // at the end
  cursor.setPosition(1);
  EXPECT_EQ(cursor.read(std::span(buf, 3)).value, 3u);
  EXPECT_EQ(std::memcmp(buf, "ell", 3), 0);
  EXPECT_EQ(cursor.skip(10).value, 1u);  // only one byte left
  EXPECT_EQ(cursor.position(), 5u);
  // The end moves when the array grows.
  EXPECT_EQ(array->writeAt(hello, 5).value, 5u);
  EXPECT_EQ(cursor.read(buf).value, 5u);
  // Append mode writes at the end whatever the position.
  cursor.setAppend(true);
  cursor.setPosition(0);
  EXPECT_EQ(cursor.write(std::span(hello, 2)).value, 2u);
  EXPECT_EQ(cursor.position(), 12u);
  EXPECT_EQ(array->setLength(3).value, 3u);
  EXPECT_EQ(array->length().value, 3u);
  EXPECT_TRUE(array->sync().ok());
  // Vectored reads fill the buffers in order.
  cursor.setPosition(0);
  uint8_t x[2], y[4];
  std::span<uint8_t> vec[2] = {x, y};
  EXPECT_EQ(cursor.readVector(vec).value, 3u);
  EXPECT_EQ(x[0], 'h');
  EXPECT_EQ(y[0], 'l');
  EXPECT_EQ(array->readAt(buf, uint64_t{1} << 62).value, 0u);
  EXPECT_EQ(array->writeAt(hello, ~uint64_t{0}).error, EFBIG);
}

TEST(IoCore, FdStreamEndIsSticky) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::unique_ptr<kiln::io::Stream> in = kiln::io::fdStream(p[0], true);
  std::unique_ptr<kiln::io::Stream> out = kiln::io::fdStream(p[1], true);
  EXPECT_EQ(in->pollFd(), p[0]);
  const uint8_t data[] = {'a', 'b', 'c'};
  EXPECT_EQ(out->write(data).value, 3u);
  out.reset();  // closes the write end
  uint8_t buf[8];
  EXPECT_EQ(in->read(buf).value, 3u);
  EXPECT_EQ(in->read(buf).value, 0u);
  EXPECT_EQ(in->read(buf).value, 0u);
  EXPECT_EQ(in->skip(5).value, 0u);
}

TEST(IoCore, WriteToClosedPipeIsEpipe) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  std::unique_ptr<kiln::io::Stream> out = kiln::io::fdStream(p[1], true);
  const uint8_t data[] = {'x'};
  EXPECT_EQ(out->write(data).error, EPIPE);
  ::sigaction(SIGPIPE, &old, nullptr);
}

// In a child process with SIGPIPE's default action in place (which kills
// the process) and the signal unblocked: writes to a closed pipe and a
// closed socket fail with EPIPE, through the I/O core's stream with and
// without a Waiter, and leave no SIGPIPE pending and the thread's mask as
// it was. Then with SIGPIPE blocked and already pending (the embedder's):
// still EPIPE, and that SIGPIPE is left alone. Exits with a bit mask of
// what went wrong (0: nothing).
struct ReadyWaiter final : kiln::io::Waiter {
  int wait(int, short) override { return 0; }
};

[[noreturn]] void writeToClosedPipesWithDefaultSigpipe() {
  int failures = 0;
  std::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  auto sigpipePending = [] {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
  };
  auto sigpipeBlocked = [] {
    sigset_t mask;
    sigprocmask(SIG_SETMASK, nullptr, &mask);
    return sigismember(&mask, SIGPIPE) == 1;
  };
  const uint8_t data[] = {'x'};
  ReadyWaiter ready;
  for (kiln::io::Waiter* waiter : {static_cast<kiln::io::Waiter*>(nullptr), static_cast<kiln::io::Waiter*>(&ready)}) {
    int p[2];
    if (::pipe(p) != 0) std::_Exit(100);
    ::close(p[0]);
    std::unique_ptr<kiln::io::Stream> pipeOut = kiln::io::fdStream(p[1], true);
    if (pipeOut->write(data, waiter).error != EPIPE) failures |= 1;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::_Exit(100);
    ::close(sv[0]);
    std::unique_ptr<kiln::io::Stream> socketOut = kiln::io::fdStream(sv[1], true);
    if (socketOut->write(data, waiter).error != EPIPE) failures |= 2;
    // Not owned (stdio): looked at on every write.
    if (::pipe(p) != 0) std::_Exit(100);
    ::close(p[0]);
    std::unique_ptr<kiln::io::Stream> shared = kiln::io::fdStream(p[1], false);
    if (shared->write(data, waiter).error != EPIPE) failures |= 4;
    ::close(p[1]);
  }
  if (sigpipePending()) failures |= 8;
  if (sigpipeBlocked()) failures |= 16;

  // The embedder blocks SIGPIPE and one is pending already.
  sigset_t pipeOnly;
  sigemptyset(&pipeOnly);
  sigaddset(&pipeOnly, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipeOnly, nullptr);
  ::raise(SIGPIPE);
  int p[2];
  if (::pipe(p) != 0) std::_Exit(100);
  ::close(p[0]);
  std::unique_ptr<kiln::io::Stream> out = kiln::io::fdStream(p[1], true);
  if (out->write(data).error != EPIPE) failures |= 32;
  if (!sigpipePending() || !sigpipeBlocked()) failures |= 64;
  std::_Exit(failures);
}

// A library must not let a guest's write to a closed pipe kill its host, nor
// change SIGPIPE's disposition to prevent that. In a child process, so that
// this test binary's own disposition does not matter: without the I/O
// core's protection SIGPIPE kills the child.
TEST(IoCoreDeathTest, WriteToClosedPipeIsEpipeWithDefaultSigpipe) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(writeToClosedPipesWithDefaultSigpipe(), ::testing::ExitedWithCode(0), "");
}

void onAlarm(int) {}

// A signal arriving during a blocking read (a handler without SA_RESTART)
// is retried inside the stream: the caller gets the data, never EINTR.
TEST(IoCore, EintrIsRetried) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  struct sigaction action {}, old {};
  action.sa_handler = onAlarm;  // no SA_RESTART
  ASSERT_EQ(::sigaction(SIGALRM, &action, &old), 0);
  itimerval timer{};
  timer.it_value.tv_usec = 20000;
  timer.it_interval.tv_usec = 20000;  // keep interrupting
  ASSERT_EQ(::setitimer(ITIMER_REAL, &timer, nullptr), 0);
  std::thread writer([fd = p[1]] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ssize_t n = ::write(fd, "late", 4);
    (void)n;
  });
  std::unique_ptr<kiln::io::Stream> in = kiln::io::fdStream(p[0], true);
  uint8_t buf[8];
  kiln::io::IoResult r = in->read(buf);
  timer = {};
  ::setitimer(ITIMER_REAL, &timer, nullptr);
  ::sigaction(SIGALRM, &old, nullptr);
  writer.join();
  ::close(p[1]);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value, 4u);
}

// ---- Grants baked into executables ---------------------------------------

TEST(Grants, RoundTrip) {
  kiln::grants::Grants g;
  g.dirs = {{"data", "/data", false}, {"/srv/x y", "ro", true}};
  g.env = {"A=1", "EMPTY=", "EQ=a=b"};
  g.inheritEnv = false;
  std::string bytes = kiln::grants::encode(g);
  std::optional<kiln::grants::Grants> back = kiln::grants::decode(bytes.c_str());
  ASSERT_TRUE(back);
  ASSERT_EQ(back->dirs.size(), 2u);
  EXPECT_EQ(back->dirs[1].hostPath, "/srv/x y");
  EXPECT_EQ(back->dirs[1].guestPath, "ro");
  EXPECT_TRUE(back->dirs[1].readOnly);
  EXPECT_FALSE(back->dirs[0].readOnly);
  EXPECT_EQ(back->env, g.env);
  EXPECT_FALSE(back->inheritEnv);
  EXPECT_FALSE(kiln::grants::decode("KILNGRANTS9\n"));
  EXPECT_FALSE(kiln::grants::decode("KILNGRANTS1\nz"));
  EXPECT_TRUE(kiln::grants::Grants{}.empty());
}

}  // namespace
