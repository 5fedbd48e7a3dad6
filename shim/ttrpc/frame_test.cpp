// Frame header layout, frame size limits and the incremental decoder (split, oversized, truncated).
#include "shim/ttrpc/frame.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ws::shim::ttrpc {
namespace {

std::string frame(uint32_t id, MessageType type, std::string_view payload, uint8_t flags = 0) {
  auto f = encode_frame(id, type, flags, payload);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *f : std::string();
}

TEST(Frame, HeaderIsBigEndianLengthIdTypeFlags) {
  std::string f = frame(0x01020304, MessageType::kResponse, std::string(0x50, 'x'), 0x05);
  ASSERT_EQ(f.size(), kHeaderSize + 0x50);
  EXPECT_EQ(f.substr(0, kHeaderSize), std::string("\x00\x00\x00\x50\x01\x02\x03\x04\x02\x05", 10));
  FrameHeader h = decode_header(f.data());
  EXPECT_EQ(h.length, 0x50u);
  EXPECT_EQ(h.stream_id, 0x01020304u);
  EXPECT_EQ(h.type, 2);
  EXPECT_EQ(h.flags, 5);
}

TEST(Frame, HighBytesDecodeUnsigned) {
  char raw[kHeaderSize];
  encode_header({0x00ffffff, 0xfffffffd, 3, 0xff}, raw);
  FrameHeader h = decode_header(raw);
  EXPECT_EQ(h.length, 0x00ffffffu);
  EXPECT_EQ(h.stream_id, 0xfffffffdu);
  EXPECT_EQ(h.type, 3);
  EXPECT_EQ(h.flags, 0xff);
}

TEST(Frame, EncodeRefusesMoreThanFourMiB) {
  EXPECT_TRUE(encode_frame(1, MessageType::kRequest, 0, std::string(kMaxMessageSize, 'a')).ok());
  auto big = encode_frame(1, MessageType::kRequest, 0, std::string(kMaxMessageSize + 1, 'a'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("4194304"), std::string_view::npos);
}

TEST(FrameDecoder, ByteAtATimeAndSeveralPerFeed) {
  std::string stream = frame(1, MessageType::kRequest, "hello") +
                       frame(3, MessageType::kRequest, "") +
                       frame(5, MessageType::kData, "x", kFlagRemoteClosed);
  FrameDecoder d;
  std::vector<Frame> got;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    while (auto f = d.next()) got.push_back(*f);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].header.stream_id, 1u);
  EXPECT_EQ(got[0].payload, "hello");
  EXPECT_EQ(got[1].header.stream_id, 3u);
  EXPECT_EQ(got[1].payload, "");
  EXPECT_EQ(got[2].header.type, 3);
  EXPECT_EQ(got[2].header.flags, kFlagRemoteClosed);
  EXPECT_TRUE(d.finish().ok());

  FrameDecoder all;
  all.feed(stream);
  int n = 0;
  while (all.next()) ++n;
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(all.finish().ok());
}

TEST(FrameDecoder, OversizedFrameIsSkippedNotBuffered) {
  const uint32_t big = kMaxMessageSize + 10;
  char header[kHeaderSize];
  encode_header({big, 7, 1, 0}, header);
  FrameDecoder d;
  d.feed(std::string_view(header, kHeaderSize));
  auto f = d.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->oversized);
  EXPECT_EQ(f->header.stream_id, 7u);
  EXPECT_EQ(f->header.length, big);
  EXPECT_TRUE(f->payload.empty());
  // The discarded payload arrives in pieces, the last one glued to a good frame.
  EXPECT_FALSE(d.finish().ok());
  d.feed(std::string(big - 100, 'z'));
  EXPECT_FALSE(d.next().has_value());
  d.feed(std::string(100, 'z') + frame(9, MessageType::kRequest, "ok"));
  auto g = d.next();
  ASSERT_TRUE(g.has_value());
  EXPECT_FALSE(g->oversized);
  EXPECT_EQ(g->header.stream_id, 9u);
  EXPECT_EQ(g->payload, "ok");
  EXPECT_TRUE(d.finish().ok());
}

TEST(FrameDecoder, MaximalLengthHeaderDoesNotAllocate) {
  FrameDecoder d;
  d.feed(std::string("\xff\xff\xff\xff\x00\x00\x00\x01\x01\x00", 10));
  auto f = d.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->oversized);
  absl::Status s = d.finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("oversized"), std::string_view::npos) << s;
}

TEST(FrameDecoder, TruncatedHeaderAndPayloadAreDataLoss) {
  std::string f = frame(3, MessageType::kRequest, std::string(20, 'p'));
  FrameDecoder header_only;
  header_only.feed(f.substr(0, 4));
  EXPECT_FALSE(header_only.next().has_value());
  absl::Status s = header_only.finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("4 of 10 header bytes"), std::string_view::npos) << s;

  FrameDecoder partial;
  partial.feed(f.substr(0, kHeaderSize + 5));
  EXPECT_FALSE(partial.next().has_value());
  s = partial.finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("stream 3"), std::string_view::npos) << s;
  EXPECT_NE(s.message().find("5 of 20"), std::string_view::npos) << s;
}

TEST(FrameDecoder, RandomFramesInRandomPieces) {
  std::mt19937 rng(7);
  std::vector<std::string> payloads;
  std::string stream;
  for (uint32_t i = 0; i < 200; ++i) {
    std::string p(rng() % 3000, '\0');
    for (char& c : p) c = static_cast<char>(rng());
    stream += frame(2 * i + 1, MessageType::kRequest, p);
    payloads.push_back(std::move(p));
  }
  FrameDecoder d;
  std::vector<Frame> got;
  for (size_t at = 0; at < stream.size();) {
    size_t n = std::min<size_t>(stream.size() - at, 1 + rng() % 5000);
    d.feed(std::string_view(stream).substr(at, n));
    at += n;
    while (auto f = d.next()) got.push_back(*std::move(f));
  }
  ASSERT_EQ(got.size(), payloads.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].header.stream_id, 2 * i + 1);
    EXPECT_EQ(got[i].payload, payloads[i]) << i;
  }
  EXPECT_TRUE(d.finish().ok());
}

}  // namespace
}  // namespace ws::shim::ttrpc
