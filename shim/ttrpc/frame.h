// ttrpc framing: the 10-byte big-endian header, frame encoding and an incremental decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ws::shim::ttrpc {

inline constexpr size_t kHeaderSize = 10;
// Largest payload either side may send or accept (ttrpc's messageLengthMax).
inline constexpr uint32_t kMaxMessageSize = 4u << 20;

enum class MessageType : uint8_t { kRequest = 1, kResponse = 2, kData = 3 };

// Request flags (unary calls send 0) and data flags.
inline constexpr uint8_t kFlagRemoteClosed = 0x01;
inline constexpr uint8_t kFlagRemoteOpen = 0x02;
inline constexpr uint8_t kFlagNoData = 0x04;

// Wire layout: length (payload bytes, header excluded), stream id, type, flags; big-endian.
struct FrameHeader {
  uint32_t length = 0;
  uint32_t stream_id = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
};

void encode_header(const FrameHeader& header, char out[kHeaderSize]);
FrameHeader decode_header(const char in[kHeaderSize]);

// Header plus payload; RESOURCE_EXHAUSTED when the payload exceeds kMaxMessageSize.
absl::StatusOr<std::string> encode_frame(uint32_t stream_id, MessageType type, uint8_t flags,
                                         std::string_view payload);

struct Frame {
  FrameHeader header;
  std::string payload;
  // The header announced more than kMaxMessageSize: the payload was discarded unread (it is
  // empty here) so that the stream stays in sync; a server answers it with RESOURCE_EXHAUSTED.
  bool oversized = false;
};

// Splits a byte stream into frames. Bytes arrive in arbitrary pieces; an oversized frame is
// skipped without being buffered. Memory held is bounded by one frame (header + 4 MiB).
class FrameDecoder {
 public:
  void feed(std::string_view bytes);
  // The next complete frame, or nullopt when more bytes are needed.
  std::optional<Frame> next();
  // OK at a frame boundary; DATA_LOSS naming what is missing when the stream ended mid-frame.
  absl::Status finish() const;

 private:
  size_t buffered() const { return buffer_.size() - start_; }
  void compact();

  std::string buffer_;
  size_t start_ = 0;       // first unconsumed byte of buffer_
  uint64_t skipping_ = 0;  // payload bytes of an oversized frame still to discard
  FrameHeader skipped_;    // header of the frame being discarded
};

}  // namespace ws::shim::ttrpc
