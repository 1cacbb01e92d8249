// The kiln command line's own logic: option parsing and the --invoke value
// syntax. The full CLI is exercised end to end by tests/e2e.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "driver/options.h"
#include "../../runtime/main/grants.h"
#include "driver/value_format.h"
#include "gtest/gtest.h"

namespace {

using kiln::driver::Command;
using kiln::driver::Options;
using kiln::driver::OutputKind;

// Parses a command line given as words (without argv[0]).
std::optional<int> parse(std::vector<std::string> words, Options* options) {
  words.insert(words.begin(), "kiln");
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  return kiln::driver::parseCommandLine(static_cast<int>(words.size()), argv.data(), options);
}

TEST(DriverOptions, CompileDefaults) {
  Options o;
  EXPECT_EQ(parse({"compile", "app.wasm"}, &o), std::nullopt);
  EXPECT_EQ(o.command, Command::Compile);
  EXPECT_EQ(o.input, "app.wasm");
  EXPECT_EQ(o.output, "");
  EXPECT_EQ(o.emit, OutputKind::Object);
  EXPECT_EQ(o.codegen.optLevel, 2);
  EXPECT_EQ(o.codegen.cpu, "x86-64-v2");
  EXPECT_FALSE(o.codegen.explicitBoundsChecks);
}

TEST(DriverOptions, CompileFlags) {
  Options o;
  EXPECT_EQ(parse({"compile", "app.wasm", "-o", "x.so", "--emit=shared", "-O3", "--cpu=native",
                   "--bounds-checks=explicit"},
                  &o),
            std::nullopt);
  EXPECT_EQ(o.output, "x.so");
  EXPECT_EQ(o.emit, OutputKind::Shared);
  EXPECT_EQ(o.codegen.optLevel, 3);
  EXPECT_EQ(o.codegen.cpu, "native");
  EXPECT_TRUE(o.codegen.explicitBoundsChecks);

  Options last;
  EXPECT_EQ(parse({"compile", "-O1", "app.wasm", "-O0", "--emit", "llvm"}, &last), std::nullopt);
  EXPECT_EQ(last.codegen.optLevel, 0);
  EXPECT_EQ(last.emit, OutputKind::LLVMIR);
}

TEST(DriverOptions, UsageErrorsExitWithTwo) {
  Options o;
  EXPECT_EQ(parse({"compile", "app.wasm", "--frobnicate"}, &o), 2);
  EXPECT_EQ(parse({"compile", "app.wasm", "-O7"}, &o), 2);
  EXPECT_EQ(parse({"compile", "app.wasm", "--emit=exe"}, &o), 2);
  EXPECT_EQ(parse({"compile"}, &o), 2);
  EXPECT_EQ(parse({"explode", "app.wasm"}, &o), 2);
  EXPECT_EQ(parse({}, &o), 2);
  EXPECT_EQ(parse({"help", "nonsense"}, &o), 2);
}

TEST(DriverOptions, HelpAndVersionExitWithZero) {
  Options o;
  testing::internal::CaptureStdout();
  EXPECT_EQ(parse({"--version"}, &o), 0);
  EXPECT_EQ(parse({"--help"}, &o), 0);
  EXPECT_EQ(parse({"help"}, &o), 0);
  EXPECT_EQ(parse({"help", "run"}, &o), 0);
  EXPECT_EQ(parse({"run", "--help"}, &o), 0);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find(kiln::driver::versionString()), std::string::npos);
  EXPECT_NE(out.find("Examples"), std::string::npos);
  EXPECT_NE(out.find("--invoke"), std::string::npos);
}

TEST(DriverOptions, VersionNamesLLVMAndABI) {
  std::string version = kiln::driver::versionString();
  EXPECT_EQ(version.rfind("kiln ", 0), 0u) << version;
  EXPECT_NE(version.find("(LLVM 19."), std::string::npos) << version;
  EXPECT_NE(version.find(", ABI "), std::string::npos) << version;
}

TEST(DriverOptions, BuildStatic) {
  Options o;
  EXPECT_EQ(parse({"build", "--static", "app.wasm", "-o", "app"}, &o), std::nullopt);
  EXPECT_EQ(o.command, Command::Build);
  EXPECT_TRUE(o.staticExecutable);
  EXPECT_EQ(o.output, "app");
}

TEST(DriverOptions, RunSeparatesGuestArguments) {
  Options o;
  EXPECT_EQ(parse({"run", "--env", "A=1", "app.wasm", "--env", "B=2", "x", "--", "-y", "--env", "C"}, &o),
            std::nullopt);
  EXPECT_EQ(o.command, Command::Run);
  EXPECT_EQ(o.input, "app.wasm");
  EXPECT_EQ(o.env, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(o.args, (std::vector<std::string>{"x", "-y", "--env", "C"}));
  EXPECT_FALSE(o.invoke.has_value());

  Options afterMark;
  EXPECT_EQ(parse({"run", "--inherit-env", "--", "app.wasm", "--help"}, &afterMark), std::nullopt);
  EXPECT_TRUE(afterMark.inheritEnv);
  EXPECT_EQ(afterMark.input, "app.wasm");
  EXPECT_EQ(afterMark.args, (std::vector<std::string>{"--help"}));

  Options noInput;
  EXPECT_EQ(parse({"run", "--no-cache"}, &noInput), 2);
}

TEST(DriverOptions, InvokeTakesNegativeNumbersWithoutDashDash) {
  Options o;
  EXPECT_EQ(parse({"run", "m.wasm", "--invoke", "f", "-0", "-inf", "3", "-.5", "-nan", "-1e300"}, &o),
            std::nullopt);
  ASSERT_TRUE(o.invoke.has_value());
  EXPECT_EQ(*o.invoke, "f");
  EXPECT_EQ(o.args, (std::vector<std::string>{"-0", "-inf", "3", "-.5", "-nan", "-1e300"}));
}

// ---- values ----------------------------------------------------------------

kiln_val parsed(const std::string& text, uint8_t type) {
  std::string error;
  std::optional<kiln_val> value = kiln::driver::parseValue(text, type, &error);
  EXPECT_TRUE(value.has_value()) << text << ": " << error;
  return value.value_or(kiln_val{});
}

bool rejected(const std::string& text, uint8_t type) {
  std::string error;
  bool bad = !kiln::driver::parseValue(text, type, &error).has_value();
  EXPECT_TRUE(!bad || !error.empty());
  return bad;
}

TEST(DriverValues, Integers) {
  EXPECT_EQ(parsed("0", KILN_I32).i32, 0u);
  EXPECT_EQ(parsed("-1", KILN_I32).i32, 0xffffffffu);
  EXPECT_EQ(parsed("4294967295", KILN_I32).i32, 0xffffffffu);
  EXPECT_EQ(parsed("-2147483648", KILN_I32).i32, 0x80000000u);
  EXPECT_EQ(parsed("0x7f", KILN_I32).i32, 127u);
  EXPECT_EQ(parsed("+5", KILN_I32).i32, 5u);
  EXPECT_TRUE(rejected("4294967296", KILN_I32));
  EXPECT_TRUE(rejected("-2147483649", KILN_I32));
  EXPECT_TRUE(rejected("12abc", KILN_I32));
  EXPECT_TRUE(rejected("", KILN_I32));
  EXPECT_TRUE(rejected("1.5", KILN_I32));

  EXPECT_EQ(parsed("18446744073709551615", KILN_I64).i64, ~uint64_t{0});
  EXPECT_EQ(parsed("-9223372036854775808", KILN_I64).i64, uint64_t{1} << 63);
  EXPECT_EQ(parsed("9221120237041090561", KILN_I64).i64, 9221120237041090561ull);
  EXPECT_TRUE(rejected("18446744073709551616", KILN_I64));
  EXPECT_TRUE(rejected("-9223372036854775809", KILN_I64));
}

TEST(DriverValues, Floats) {
  EXPECT_EQ(parsed("0.1", KILN_F32).f32, 0.1f);
  EXPECT_EQ(parsed("0.1", KILN_F64).f64, 0.1);
  EXPECT_TRUE(std::signbit(parsed("-0", KILN_F64).f64));
  EXPECT_EQ(parsed("-inf", KILN_F32).f32, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(parsed("inf", KILN_F64).f64, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(parsed("nan", KILN_F64).f64));
  EXPECT_TRUE(std::signbit(parsed("-nan", KILN_F64).f64));
  EXPECT_EQ(parsed("1e300", KILN_F32).f32, std::numeric_limits<float>::infinity());
  EXPECT_EQ(parsed("-1e-50", KILN_F32).f32, 0.0f);
  EXPECT_EQ(parsed("0x1p-1", KILN_F64).f64, 0.5);
  // Parsed straight to f32, not through a double: this is a hair above the
  // midpoint 1 + 2^-24, which a double would round to exactly (and then to 1).
  EXPECT_EQ(parsed("1.000000059604644775390626", KILN_F32).f32, 1.0000001192092896f);
  EXPECT_EQ(parsed("1.000000059604644775390625", KILN_F32).f32, 1.0f);
  uint32_t bits;
  float payload = parsed("nan:0x200001", KILN_F32).f32;
  std::memcpy(&bits, &payload, 4);
  EXPECT_EQ(bits, 0x7fa00001u);
  EXPECT_TRUE(rejected("abc", KILN_F64));
  EXPECT_TRUE(rejected("1.5x", KILN_F64));
  EXPECT_TRUE(rejected("nan:0x0", KILN_F32));
}

TEST(DriverValues, Formatting) {
  using kiln::driver::formatValue;
  kiln_val v{};
  v.i32 = 0xffffffffu;
  EXPECT_EQ(formatValue(v, KILN_I32), "-1");
  v.i64 = uint64_t{1} << 63;
  EXPECT_EQ(formatValue(v, KILN_I64), "-9223372036854775808");
  v.f32 = 0.1f;
  EXPECT_EQ(formatValue(v, KILN_F32), "0.1");
  v.f64 = 0.1 + 0.2;
  EXPECT_EQ(formatValue(v, KILN_F64), "0.30000000000000004");
  v.f64 = -0.0;
  EXPECT_EQ(formatValue(v, KILN_F64), "-0");
  v.f32 = std::numeric_limits<float>::infinity();
  EXPECT_EQ(formatValue(v, KILN_F32), "inf");
  v.f64 = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(formatValue(v, KILN_F64), "-inf");
  v.f64 = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(formatValue(v, KILN_F64), "nan");
  uint32_t payloadBits = 0xffa00001u;
  std::memcpy(&v.f32, &payloadBits, 4);
  EXPECT_EQ(formatValue(v, KILN_F32), "-nan:0x200001");
  v.f64 = 1e300;
  EXPECT_EQ(formatValue(v, KILN_F64), "1e+300");
  v.ref = nullptr;
  EXPECT_EQ(formatValue(v, KILN_FUNCREF), "null");
}

}  // namespace

TEST(DriverOptions, ByteSizes) {
  std::string error;
  EXPECT_EQ(kiln::driver::parseByteSize("4096", &error), std::optional<uint64_t>(4096));
  EXPECT_EQ(kiln::driver::parseByteSize("512KiB", &error), std::optional<uint64_t>(512 * 1024));
  EXPECT_EQ(kiln::driver::parseByteSize("64MiB", &error), std::optional<uint64_t>(64ull << 20));
  EXPECT_EQ(kiln::driver::parseByteSize("64M", &error), std::optional<uint64_t>(64ull << 20));
  EXPECT_EQ(kiln::driver::parseByteSize("2G", &error), std::optional<uint64_t>(2ull << 30));
  for (const char* bad : {"", "MiB", "12 MiB", "1.5MiB", "-1", "10parsecs", "99999999999999999999",
                          "20000000000000000000T"}) {
    error.clear();
    EXPECT_FALSE(kiln::driver::parseByteSize(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(DriverOptions, Durations) {
  std::string error;
  using std::chrono::nanoseconds;
  EXPECT_EQ(kiln::driver::parseDuration("2s", &error), std::optional<nanoseconds>(2'000'000'000));
  EXPECT_EQ(kiln::driver::parseDuration("2", &error), std::optional<nanoseconds>(2'000'000'000));
  EXPECT_EQ(kiln::driver::parseDuration("500ms", &error), std::optional<nanoseconds>(500'000'000));
  EXPECT_EQ(kiln::driver::parseDuration("1.5s", &error), std::optional<nanoseconds>(1'500'000'000));
  EXPECT_EQ(kiln::driver::parseDuration("2m", &error), std::optional<nanoseconds>(120'000'000'000));
  EXPECT_EQ(kiln::driver::parseDuration("100us", &error), std::optional<nanoseconds>(100'000));
  for (const char* bad : {"", "s", "0", "0s", "-1s", "1.2.3s", "soon", "1 s", "1e3s"}) {
    error.clear();
    EXPECT_FALSE(kiln::driver::parseDuration(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(DriverOptions, RunLimits) {
  Options o;
  EXPECT_EQ(parse({"run", "--timeout", "2s", "--fuel", "1000", "--max-memory", "64MiB", "--max-stack", "512KiB",
                   "app.wasm"},
                  &o),
            std::nullopt);
  EXPECT_EQ(o.timeout, std::optional<std::chrono::nanoseconds>(std::chrono::seconds(2)));
  EXPECT_EQ(o.fuel, std::optional<uint64_t>(1000));
  EXPECT_TRUE(o.codegen.fuel);  // --fuel compiles with metering
  EXPECT_TRUE(o.codegen.epochChecks);
  EXPECT_EQ(o.maxMemoryBytes, 64ull << 20);
  EXPECT_EQ(o.maxStackBytes, 512ull * 1024);
  Options defaults;
  EXPECT_EQ(parse({"run", "app.wasm"}, &defaults), std::nullopt);
  EXPECT_FALSE(defaults.timeout);
  EXPECT_FALSE(defaults.codegen.fuel);
  Options off;
  EXPECT_EQ(parse({"compile", "--epoch-checks=off", "--fuel", "app.wasm"}, &off), std::nullopt);
  EXPECT_FALSE(off.codegen.epochChecks);
  EXPECT_TRUE(off.codegen.fuel);
  Options bad;
  EXPECT_EQ(parse({"run", "--timeout", "2s", "--epoch-checks=off", "app.wasm"}, &bad), 2);
  EXPECT_EQ(parse({"run", "--max-memory", "lots", "app.wasm"}, &bad), 2);
  EXPECT_EQ(parse({"compile", "--epoch-checks=maybe", "app.wasm"}, &bad), 2);
}

// Limits baked into executables by kiln build (runtime/main/grants.h).
TEST(DriverGrants, LimitsRoundTrip) {
  kiln::grants::Grants g;
  EXPECT_TRUE(g.empty());
  g.timeoutNs = 2'000'000'000;
  g.fuel = 1000;
  g.maxMemoryBytes = 64ull << 20;
  g.maxStackBytes = 512 * 1024;
  EXPECT_FALSE(g.empty());
  std::optional<kiln::grants::Grants> back = kiln::grants::decode(kiln::grants::encode(g).c_str());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->timeoutNs, g.timeoutNs);
  EXPECT_EQ(back->fuel, g.fuel);
  EXPECT_EQ(back->maxMemoryBytes, g.maxMemoryBytes);
  EXPECT_EQ(back->maxStackBytes, g.maxStackBytes);
  EXPECT_TRUE(back->inheritEnv);
  EXPECT_FALSE(kiln::grants::decode(std::string("KILNGRANTS1\nt12x\0", 17).c_str()));
  EXPECT_FALSE(kiln::grants::decode(std::string("KILNGRANTS1\nm\0", 15).c_str()));

  Options o;
  EXPECT_EQ(parse({"build", "--timeout", "1s", "--max-memory", "1M", "app.wasm"}, &o), std::nullopt);
  EXPECT_EQ(o.timeout, std::optional<std::chrono::nanoseconds>(std::chrono::seconds(1)));
  EXPECT_EQ(o.maxMemoryBytes, 1ull << 20);
}
