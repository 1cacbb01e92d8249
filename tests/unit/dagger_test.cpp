// The Dagger stream API's pieces on their own: URL parsing, --allow-net
// entries, the log:// line buffer, path resolution beneath a grant, and the
// small streams. (The host functions themselves are exercised end to end by
// tests/e2e/cases/dagger_*.) Suite names start with "dagger" so that
// `ctest -R dagger` picks them up.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "../../runtime/dagger/rt_dagger.h"

namespace kiln::dagger {
namespace {

// ---- URLs ------------------------------------------------------------------

Url parsed(std::string_view text) {
  UrlResult r = parseUrl(text);
  EXPECT_TRUE(r.url.has_value()) << text << " -> error " << r.error;
  return r.url ? *r.url : Url{};
}

int32_t errorOf(std::string_view text) {
  UrlResult r = parseUrl(text);
  EXPECT_FALSE(r.url.has_value()) << text << " parsed";
  return r.error;
}

TEST(daggerUrl, BareSchemes) {
  EXPECT_EQ(parsed("stdin://").scheme, Scheme::Stdin);
  EXPECT_EQ(parsed("stdout://").scheme, Scheme::Stdout);
  EXPECT_EQ(parsed("stderr://").scheme, Scheme::Stderr);
  EXPECT_EQ(parsed("random://").scheme, Scheme::Random);
  EXPECT_EQ(parsed("null://").scheme, Scheme::Null);
  EXPECT_EQ(parsed("zero://").scheme, Scheme::Zero);
}

TEST(daggerUrl, SchemeIsCaseInsensitive) {
  EXPECT_EQ(parsed("STDOUT://").scheme, Scheme::Stdout);
  EXPECT_EQ(parsed("Log://x").scheme, Scheme::Log);
  EXPECT_EQ(parsed("HTTP://h:1/").scheme, Scheme::Http);
}

TEST(daggerUrl, BareSchemesTakeNothingAfterTheSlashes) {
  EXPECT_EQ(errorOf("stdout://x"), kDaggerBadUrl);
  EXPECT_EQ(errorOf("null:///"), kDaggerBadUrl);
  EXPECT_EQ(errorOf("random://?"), kDaggerBadUrl);
}

TEST(daggerUrl, Malformed) {
  for (const char* text : {"", "stdout", "stdout:", "stdout:/", "://", "://x", "1ab://", "std out://", "-x://",
                           "stdout:/ /", "x_y://"}) {
    EXPECT_EQ(errorOf(text), kDaggerBadUrl) << text;
  }
}

TEST(daggerUrl, ControlCharactersAreRefused) {
  EXPECT_EQ(errorOf(std::string_view("stdout://\0", 10)), kDaggerBadUrl);
  EXPECT_EQ(errorOf(std::string_view("file:///a\0b", 11)), kDaggerBadUrl);
  EXPECT_EQ(errorOf("log://a\nb"), kDaggerBadUrl);
  EXPECT_EQ(errorOf("file:///a\x7f"), kDaggerBadUrl);
}

TEST(daggerUrl, UnknownSchemes) {
  for (const char* text : {"https://example.org/", "gopher://x", "ftp://", "files:///a", "std://"})
    EXPECT_EQ(errorOf(text), kDaggerUnknownScheme) << text;
}

TEST(daggerUrl, TooLong) {
  std::string url = "file:///" + std::string(kMaxUrlLength, 'a');
  EXPECT_EQ(errorOf(url), kDaggerBadUrl);
  std::string fits = "file:///" + std::string(kMaxUrlLength - 8, 'a');
  EXPECT_EQ(parsed(fits).path.size(), kMaxUrlLength - 7);
}

TEST(daggerUrl, LogTags) {
  EXPECT_EQ(parsed("log://").tag, "guest");
  EXPECT_EQ(parsed("log://worker-1").tag, "worker-1");
  EXPECT_EQ(parsed("log://a.b_c:d/e@f").tag, "a.b_c:d/e@f");
  EXPECT_EQ(errorOf("log://two words"), kDaggerBadUrl);
  EXPECT_EQ(errorOf("log://[fake] line"), kDaggerBadUrl);
  EXPECT_EQ(errorOf("log://" + std::string(kMaxLogTag + 1, 'x')), kDaggerBadUrl);
  EXPECT_EQ(parsed("log://" + std::string(kMaxLogTag, 'x')).tag.size(), kMaxLogTag);
}

TEST(daggerUrl, FilePathsAndModes) {
  Url url = parsed("file:///data/in.txt");
  EXPECT_EQ(url.scheme, Scheme::File);
  EXPECT_EQ(url.path, "/data/in.txt");
  EXPECT_EQ(url.mode, FileMode::Read);
  EXPECT_EQ(parsed("file://rel/x").path, "rel/x");
  EXPECT_EQ(parsed("file:///a?mode=r").mode, FileMode::Read);
  EXPECT_EQ(parsed("file:///a?mode=r+").mode, FileMode::ReadPlus);
  EXPECT_EQ(parsed("file:///a?mode=w").mode, FileMode::Write);
  EXPECT_EQ(parsed("file:///a?mode=w%2B").mode, FileMode::WritePlus);
  EXPECT_EQ(parsed("file:///a?mode=a").mode, FileMode::Append);
  EXPECT_EQ(parsed("file:///a?mode=a+").mode, FileMode::AppendPlus);
  EXPECT_EQ(parsed("file:///a%20b%3Fc%25").path, "/a b?c%");
}

TEST(daggerUrl, BadFileUrls) {
  for (const char* text : {"file://", "file://?mode=r", "file:///a?", "file:///a?mode=", "file:///a?mode=rw",
                           "file:///a?mode=x", "file:///a?size=1", "file:///a?mode=r&mode=w", "file:///a?mode=r&",
                           "file:///a%", "file:///a%4", "file:///a%zz", "file:///a%00b"}) {
    EXPECT_EQ(errorOf(text), kDaggerBadUrl) << text;
  }
}

TEST(daggerUrl, Http) {
  Url url = parsed("http://127.0.0.1:8080/index.html?q=1");
  EXPECT_EQ(url.scheme, Scheme::Http);
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  url = parsed("http://Example.ORG");
  EXPECT_EQ(url.host, "example.org");
  EXPECT_EQ(url.port, 80);
  url = parsed("http://[::1]:9/");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9);
  EXPECT_EQ(parsed("http://h:65535?x").port, 65535);
}

TEST(daggerUrl, BadHttpUrls) {
  for (const char* text : {"http://", "http:///path", "http://:80/", "http://h:/", "http://h:0/", "http://h:65536/",
                           "http://h:8x/", "http://h:-1/", "http://user@h/", "http://user:pw@h:80/", "http://[::1/",
                           "http://[::1]x/", "http://[zz]:80/", "http://h_1/", "http://h:80:81/"}) {
    EXPECT_EQ(errorOf(text), kDaggerBadUrl) << text;
  }
}

TEST(daggerUrl, Fd) {
  EXPECT_EQ(parsed("fd://0").fd, 0);
  EXPECT_EQ(parsed("fd://2").fd, 2);
  EXPECT_EQ(parsed("fd://2147483647").fd, 2147483647);
  for (const char* text : {"fd://", "fd://-1", "fd://+1", "fd://1x", "fd://2147483648", "fd://99999999999"})
    EXPECT_EQ(errorOf(text), kDaggerBadUrl) << text;
}

// ---- --allow-net -----------------------------------------------------------------

TEST(daggerAllowNet, Entries) {
  EXPECT_EQ(parseHostPort("localhost:80"), (HostPort{"localhost", 80}));
  EXPECT_EQ(parseHostPort("LocalHost:8080"), (HostPort{"localhost", 8080}));
  EXPECT_EQ(parseHostPort("10.0.0.1:1"), (HostPort{"10.0.0.1", 1}));
  EXPECT_EQ(parseHostPort("[::1]:443"), (HostPort{"::1", 443}));
  for (const char* text : {"", "localhost", ":80", "host:", "host:0", "host:65536", "a b:80", "[::1]", "::1:80",
                           "http://h:80", "h:80/", "h:80 "}) {
    EXPECT_FALSE(parseHostPort(text)) << text;
    EXPECT_NE(checkAllowNetEntry(text), "") << text;
  }
  EXPECT_EQ(checkAllowNetEntry("example.org:80"), "");
}

TEST(daggerErrors, Names) {
  EXPECT_STREQ(daggerErrorName(kDaggerBadUrl), "bad_url");
  EXPECT_STREQ(daggerErrorName(kDaggerPermissionDenied), "permission_denied");
  EXPECT_STREQ(daggerErrorName(kDaggerUnsupported), "unsupported");
  EXPECT_STREQ(daggerErrorName(0), "unknown");
  // Every code distinct and negative.
  int32_t codes[] = {kDaggerBadUrl,   kDaggerBadInput,    kDaggerUnknownScheme, kDaggerPermissionDenied, kDaggerNotFound,
                     kDaggerIoError, kDaggerTooManyOpen, kDaggerBadFd,         kDaggerUnsupported};
  for (size_t i = 0; i < std::size(codes); ++i) {
    EXPECT_LT(codes[i], 0);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(codes[i], codes[j]);
  }
}

TEST(daggerErrors, FromHost) {
  EXPECT_EQ(errorFromHost(ENOENT), kDaggerNotFound);
  EXPECT_EQ(errorFromHost(EACCES), kDaggerPermissionDenied);
  EXPECT_EQ(errorFromHost(EXDEV), kDaggerPermissionDenied);
  EXPECT_EQ(errorFromHost(ELOOP), kDaggerPermissionDenied);
  EXPECT_EQ(errorFromHost(EMFILE), kDaggerTooManyOpen);
  EXPECT_EQ(errorFromHost(EISDIR), kDaggerUnsupported);
  EXPECT_EQ(errorFromHost(ECONNREFUSED), kDaggerIoError);
  EXPECT_EQ(errorFromHost(EPIPE), kDaggerIoError);
}

// ---- log:// ------------------------------------------------------------------------

// Collects what is written, one string per write call.
class MemorySink : public io::Stream {
 public:
  io::IoResult read(std::span<uint8_t>, io::Waiter*) override { return {}; }
  io::IoResult write(std::span<const uint8_t> buffer, io::Waiter*) override {
    writes.emplace_back(reinterpret_cast<const char*>(buffer.data()), buffer.size());
    return {buffer.size(), 0};
  }
  io::IoResult flush(io::Waiter*) override {
    ++flushes;
    return {};
  }
  std::string all() const {
    std::string s;
    for (const std::string& w : writes) s += w;
    return s;
  }
  std::vector<std::string> writes;
  int flushes = 0;
};

io::IoResult put(io::Stream& stream, std::string_view text) {
  return stream.write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

TEST(daggerLog, CompleteLinesOnly) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("guest", sink);
  io::IoResult r = put(log, "hello\nwor");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value, 9u);
  EXPECT_EQ(sink->all(), "[guest] hello\n");
  EXPECT_EQ(log.pending(), 3u);
  put(log, "ld");
  EXPECT_EQ(sink->all(), "[guest] hello\n");
  put(log, "\n");
  EXPECT_EQ(sink->all(), "[guest] hello\n[guest] world\n");
  EXPECT_EQ(log.pending(), 0u);
}

TEST(daggerLog, EachLineIsOneWrite) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("t", sink);
  put(log, "a\nbb\n\nccc\n");
  ASSERT_EQ(sink->writes.size(), 4u);
  EXPECT_EQ(sink->writes[0], "[t] a\n");
  EXPECT_EQ(sink->writes[1], "[t] bb\n");
  EXPECT_EQ(sink->writes[2], "[t] \n");
  EXPECT_EQ(sink->writes[3], "[t] ccc\n");
}

TEST(daggerLog, FlushEmitsThePartialLine) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("guest", sink);
  put(log, "partial");
  EXPECT_EQ(sink->all(), "");
  EXPECT_TRUE(log.flush().ok());
  EXPECT_EQ(sink->all(), "[guest] partial\n");
  EXPECT_EQ(sink->flushes, 1);
  // Nothing pending: a second flush writes nothing.
  EXPECT_TRUE(log.flush().ok());
  EXPECT_EQ(sink->writes.size(), 1u);
  put(log, "next\n");
  EXPECT_EQ(sink->all(), "[guest] partial\n[guest] next\n");
}

TEST(daggerLog, CloseEmitsThePartialLine) {
  auto sink = std::make_shared<MemorySink>();
  {
    LogStream log("guest", sink);
    put(log, "one\ntwo");
  }
  EXPECT_EQ(sink->all(), "[guest] one\n[guest] two\n");
}

TEST(daggerLog, EmptyStreamWritesNothing) {
  auto sink = std::make_shared<MemorySink>();
  { LogStream log("guest", sink); }
  EXPECT_TRUE(sink->writes.empty());
}

TEST(daggerLog, LongLinesAreCut) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("g", sink);
  std::string big(kMaxLogLine * 2 + 10, 'x');
  put(log, big);
  ASSERT_EQ(sink->writes.size(), 2u);
  EXPECT_EQ(sink->writes[0], "[g] " + std::string(kMaxLogLine, 'x') + "\n");
  EXPECT_EQ(log.pending(), 10u);
  put(log, "\n");
  ASSERT_EQ(sink->writes.size(), 3u);
  EXPECT_EQ(sink->writes[2], "[g] " + std::string(10, 'x') + "\n");
}

TEST(daggerLog, LineOfExactlyTheLimit) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("g", sink);
  put(log, std::string(kMaxLogLine, 'y') + "\nz\n");
  ASSERT_EQ(sink->writes.size(), 2u);
  EXPECT_EQ(sink->writes[0], "[g] " + std::string(kMaxLogLine, 'y') + "\n");
  EXPECT_EQ(sink->writes[1], "[g] z\n");
  // The same line in two writes, its newline coming after the cut: still no
  // empty line.
  put(log, std::string(kMaxLogLine, 'w'));
  EXPECT_EQ(sink->writes.size(), 3u);
  put(log, "\n\n");
  ASSERT_EQ(sink->writes.size(), 4u);  // only the second newline makes a (empty) line
  EXPECT_EQ(sink->writes[3], "[g] \n");
}

TEST(daggerLog, ByteByByte) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("b", sink);
  for (char c : std::string("ab\ncd\n")) put(log, std::string_view(&c, 1));
  EXPECT_EQ(sink->all(), "[b] ab\n[b] cd\n");
}

TEST(daggerLog, ReadsAreUnsupported) {
  auto sink = std::make_shared<MemorySink>();
  LogStream log("b", sink);
  uint8_t buf[4];
  EXPECT_EQ(log.read(buf).error, ENOTSUP);
}

// ---- small streams -------------------------------------------------------------------

TEST(daggerStreams, NullZeroRandom) {
  uint8_t buf[64];
  auto null = nullStream();
  EXPECT_EQ(null->read(buf).value, 0u);
  EXPECT_EQ(null->write(std::span<const uint8_t>(buf, 10)).value, 10u);

  auto zero = zeroStream();
  std::memset(buf, 0xAA, sizeof buf);
  io::IoResult r = zero->read(buf);
  EXPECT_EQ(r.value, sizeof buf);
  for (uint8_t b : buf) EXPECT_EQ(b, 0);

  auto random = randomStream();
  uint8_t a[64], b[64];
  EXPECT_EQ(random->read(a).value, 64u);
  EXPECT_EQ(random->read(b).value, 64u);
  EXPECT_NE(std::memcmp(a, b, 64), 0);
  EXPECT_EQ(random->write(std::span<const uint8_t>(a, 1)).error, ENOTSUP);
}

// ---- paths and grants ---------------------------------------------------------------

TEST(daggerPath, Split) {
  SplitPath p = splitPath("/data/./a//b/../c/");
  EXPECT_TRUE(p.absolute);
  EXPECT_FALSE(p.escapes);
  EXPECT_EQ(p.parts, (std::vector<std::string>{"data", "a", "c"}));
  EXPECT_TRUE(splitPath("../x").escapes);
  EXPECT_TRUE(splitPath("/data/../../etc").escapes);
  EXPECT_FALSE(splitPath("a/..").escapes);
  EXPECT_TRUE(splitPath("a/..").parts.empty());
  EXPECT_FALSE(splitPath("rel").absolute);
}

TEST(daggerPath, LongestGrantWins) {
  std::vector<OpenGrant> grants(4);
  grants[0].guest = {"data"};
  grants[0].guestAbsolute = true;
  grants[1].guest = {"data", "sub"};
  grants[1].guestAbsolute = true;
  grants[2].guest = {};  // "."
  grants[3].guest = {"data"};  // relative "data"
  std::vector<std::string> rest;
  EXPECT_EQ(findGrant(grants, splitPath("/data/x"), &rest), &grants[0]);
  EXPECT_EQ(rest, (std::vector<std::string>{"x"}));
  EXPECT_EQ(findGrant(grants, splitPath("/data/sub/y/z"), &rest), &grants[1]);
  EXPECT_EQ(rest, (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(findGrant(grants, splitPath("data/q"), &rest), &grants[3]);
  EXPECT_EQ(findGrant(grants, splitPath("other/q"), &rest), &grants[2]);
  EXPECT_EQ(rest, (std::vector<std::string>{"other", "q"}));
  EXPECT_EQ(findGrant(grants, splitPath("/etc/passwd"), &rest), nullptr);
  EXPECT_EQ(findGrant(grants, splitPath("/datax/y"), &rest), nullptr);
}

// A temporary directory tree:
//   root/grant/in.txt, root/grant/sub/deep.txt, root/secret.txt,
//   root/grant/up -> ../secret.txt, root/grant/abs -> /etc/hostname,
//   root/grant/inside -> in.txt, root/grant/subdir-link -> sub
class daggerBeneath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dagger_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ / "grant" / "sub");
    write(root_ / "grant" / "in.txt", "inside");
    write(root_ / "grant" / "sub" / "deep.txt", "deep");
    write(root_ / "secret.txt", "secret");
    std::filesystem::create_symlink("../secret.txt", root_ / "grant" / "up");
    std::filesystem::create_symlink("/etc/hostname", root_ / "grant" / "abs");
    std::filesystem::create_symlink("in.txt", root_ / "grant" / "inside");
    std::filesystem::create_symlink("sub", root_ / "grant" / "subdir-link");
    dir_ = ::open((root_ / "grant").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir_, 0);
  }
  void TearDown() override {
    if (dir_ >= 0) ::close(dir_);
    std::filesystem::remove_all(root_);
  }
  static void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }
  std::string readFd(int fd) {
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  int open(std::vector<std::string> parts, bool openat2) { return openBeneath(dir_, parts, O_RDONLY, openat2); }

  std::filesystem::path root_;
  int dir_ = -1;
};

TEST_F(daggerBeneath, OpensInside) {
  for (bool openat2 : {true, false}) {
    EXPECT_EQ(readFd(open({"in.txt"}, openat2)), "inside");
    EXPECT_EQ(readFd(open({"sub", "deep.txt"}, openat2)), "deep");
    EXPECT_EQ(open({"missing"}, openat2), -ENOENT);
  }
}

TEST_F(daggerBeneath, SymlinksOutAreRefused) {
  for (bool openat2 : {true, false}) {
    int fd = open({"up"}, openat2);
    EXPECT_LT(fd, 0) << "openat2=" << openat2;
    if (fd >= 0) ::close(fd);
    EXPECT_EQ(errorFromHost(-fd), kDaggerPermissionDenied);
    fd = open({"abs"}, openat2);
    EXPECT_LT(fd, 0);
    if (fd >= 0) ::close(fd);
    EXPECT_EQ(errorFromHost(-fd), kDaggerPermissionDenied);
  }
}

TEST_F(daggerBeneath, DotDotComponentsAreRefused) {
  EXPECT_EQ(open({"..", "secret.txt"}, true), -EINVAL);
  EXPECT_EQ(open({"sub/../in.txt"}, false), -EINVAL);
}

TEST_F(daggerBeneath, SymlinksInside) {
  // openat2 follows links that stay beneath; the fallback follows none.
  EXPECT_EQ(readFd(open({"inside"}, true)), "inside");
  EXPECT_EQ(readFd(open({"subdir-link", "deep.txt"}, true)), "deep");
  EXPECT_EQ(open({"inside"}, false), -ELOOP);
  EXPECT_EQ(open({"subdir-link", "deep.txt"}, false), -ELOOP);
}

TEST_F(daggerBeneath, OpenFileModesAndGrants) {
  std::vector<OpenGrant> grants(2);
  grants[0].guest = {"data"};
  grants[0].guestAbsolute = true;
  grants[0].dirFd = dir_;
  grants[1].guest = {"ro"};
  grants[1].guestAbsolute = true;
  grants[1].dirFd = dir_;
  grants[1].readOnly = true;

  auto openUrl = [&](const std::string& text) {
    UrlResult r = parseUrl(text);
    EXPECT_TRUE(r.url) << text;
    return openFile(grants, *r.url);
  };
  OpenResult r = openUrl("file:///data/in.txt");
  ASSERT_TRUE(r.stream);
  EXPECT_TRUE(r.readable);
  EXPECT_FALSE(r.writable);
  uint8_t buf[16];
  EXPECT_EQ(r.stream->read(buf).value, 6u);

  r = openUrl("file:///data/new.txt?mode=w");
  ASSERT_TRUE(r.stream);
  EXPECT_FALSE(r.readable);
  EXPECT_TRUE(r.writable);
  EXPECT_EQ(put(*r.stream, "written").value, 7u);
  r.stream.reset();
  std::ifstream in(root_ / "grant" / "new.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "written");

  r = openUrl("file:///data/new.txt?mode=a");
  ASSERT_TRUE(r.stream);
  put(*r.stream, "+more");
  r.stream.reset();
  in = std::ifstream(root_ / "grant" / "new.txt");
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "written+more");

  EXPECT_EQ(openUrl("file:///data/missing.txt").error, kDaggerNotFound);
  EXPECT_EQ(openUrl("file:///data/../secret.txt").error, kDaggerPermissionDenied);
  EXPECT_EQ(openUrl("file:///data/up").error, kDaggerPermissionDenied);
  EXPECT_EQ(openUrl("file:///elsewhere/in.txt").error, kDaggerPermissionDenied);
  EXPECT_EQ(openUrl("file://data/in.txt").error, kDaggerPermissionDenied);  // relative: no "." grant
  EXPECT_EQ(openUrl("file:///data/sub").error, kDaggerUnsupported);         // a directory
  EXPECT_EQ(openUrl("file:///data").error, kDaggerUnsupported);
  EXPECT_TRUE(openUrl("file:///ro/in.txt").stream);
  EXPECT_EQ(openUrl("file:///ro/in.txt?mode=r+").error, kDaggerPermissionDenied);
  EXPECT_EQ(openUrl("file:///ro/x.txt?mode=w").error, kDaggerPermissionDenied);
  EXPECT_FALSE(std::filesystem::exists(root_ / "grant" / "x.txt"));
  grants[0].dirFd = -1;  // a grant whose directory could not be opened
  EXPECT_EQ(openUrl("file:///data/in.txt").error, kDaggerPermissionDenied);
  grants[1].dirFd = -1;  // not ours to close
}

// ---- the public entry points ------------------------------------------------------------

TEST(daggerResolver, ResolvesDaggerNamesOnly) {
  DaggerOptions options;
  options.allowNet = {"localhost:8080", "not an entry"};
  std::unique_ptr<DaggerState> state = makeDaggerState(options);
  ImportResolver resolver = daggerResolver(*state);
  for (const char* name : {"open", "read", "write", "flush", "sync", "close"}) {
    std::optional<HostFunc> f = resolver.hostFunc("dagger", name);
    ASSERT_TRUE(f) << name;
    EXPECT_NE(f->code, nullptr);
    EXPECT_NE(f->envTag, nullptr);
    EXPECT_EQ(f->env, state.get());
    EXPECT_EQ(f->results, std::vector<uint8_t>{KILN_I32});
  }
  EXPECT_EQ(resolver.hostFunc("dagger", "open")->params.size(), 2u);
  EXPECT_EQ(resolver.hostFunc("dagger", "read")->params.size(), 3u);
  EXPECT_EQ(resolver.hostFunc("dagger", "close")->params.size(), 1u);
  EXPECT_EQ(resolver.hostFunc("dagger", "sync")->code, resolver.hostFunc("dagger", "flush")->code);
  EXPECT_FALSE(resolver.hostFunc("dagger", "seek"));
  EXPECT_FALSE(resolver.hostFunc("wasi_snapshot_preview1", "fd_write"));
}

TEST(daggerResolver, Chain) {
  ImportResolver a;
  a.hostFunc = [](std::string_view module, std::string_view) -> std::optional<HostFunc> {
    if (module != "a") return std::nullopt;
    HostFunc f;
    f.code = reinterpret_cast<void*>(1);
    return f;
  };
  ImportResolver b;
  b.hostFunc = [](std::string_view module, std::string_view) -> std::optional<HostFunc> {
    if (module != "a" && module != "b") return std::nullopt;
    HostFunc f;
    f.code = reinterpret_cast<void*>(2);
    return f;
  };
  ImportResolver chained = chainResolvers(a, b);
  EXPECT_EQ(chained.hostFunc("a", "x")->code, reinterpret_cast<void*>(1));
  EXPECT_EQ(chained.hostFunc("b", "x")->code, reinterpret_cast<void*>(2));
  EXPECT_FALSE(chained.hostFunc("c", "x"));
  EXPECT_FALSE(chained.external);
}

}  // namespace
}  // namespace kiln::dagger
