// kiln/serve.h: the WAGI response rules (parseWagiResponse). The server
// itself is tested end to end through `kiln serve` (tests/e2e/serve).
#include <gtest/gtest.h>

#include <string>

#include "kiln/serve.h"

namespace {

std::optional<kiln::WagiResponse> parse(std::string_view output, std::string* error = nullptr) {
  std::string ignored;
  return kiln::parseWagiResponse(output, error ? error : &ignored);
}

TEST(Wagi, HeadersThenBody) {
  auto r = parse("Content-Type: text/html\nX-One:  1 \n\n<p>hi</p>\n\nmore");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  ASSERT_EQ(r->headers.size(), 2u);
  EXPECT_EQ(r->headers[0], (std::pair<std::string, std::string>{"Content-Type", "text/html"}));
  EXPECT_EQ(r->headers[1], (std::pair<std::string, std::string>{"X-One", "1"}));
  EXPECT_EQ(r->body, "<p>hi</p>\n\nmore");
}

TEST(Wagi, CrlfAndStatus) {
  auto r = parse("status: 201 Created\r\nContent-Type: text/plain\r\n\r\nmade");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201u);
  ASSERT_EQ(r->headers.size(), 1u);  // Status is not sent as a header
  EXPECT_EQ(r->body, "made");
}

TEST(Wagi, LocationAloneRedirects) {
  auto r = parse("Location: /there\n\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302u);
  EXPECT_EQ(r->body, "");
  r = parse("Status: 301\nLocation: /there\n\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301u);
}

TEST(Wagi, FramingHeadersAreTheServers) {
  auto r = parse("Content-Type: a/b\nContent-Length: 99\nTransfer-Encoding: chunked\nConnection: close\n\nx");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->headers.size(), 1u);
  EXPECT_EQ(r->headers[0].first, "Content-Type");
}

TEST(Wagi, MalformedOutputIsRefusedWithAReason) {
  std::string error;
  EXPECT_FALSE(parse("just a body\n", &error));
  EXPECT_NE(error.find("no header block"), std::string::npos);
  EXPECT_FALSE(parse("", &error));
  EXPECT_FALSE(parse("X-Only: 1\n\nbody", &error));
  EXPECT_NE(error.find("Content-Type"), std::string::npos);
  EXPECT_FALSE(parse("Content-Type: a/b\nnot a header\n\n", &error));
  EXPECT_NE(error.find("without a name"), std::string::npos);
  EXPECT_FALSE(parse("Status: ok\nContent-Type: a/b\n\n", &error));
  EXPECT_FALSE(parse("Status: 999\nContent-Type: a/b\n\n", &error));
  EXPECT_FALSE(parse("Status: 20\nContent-Type: a/b\n\n", &error));
  EXPECT_FALSE(parse("Status: 2000\nContent-Type: a/b\n\n", &error));
  EXPECT_NE(error.find("Status"), std::string::npos);
}

}  // namespace
