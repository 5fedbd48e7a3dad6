// ttrpc framing (see frame.h).
#include "shim/ttrpc/frame.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ws::shim::ttrpc {
namespace {

void put_be32(uint32_t v, char* out) {
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
}

uint32_t get_be32(const char* in) {
  auto b = [in](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(in[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

}  // namespace

void encode_header(const FrameHeader& header, char out[kHeaderSize]) {
  put_be32(header.length, out);
  put_be32(header.stream_id, out + 4);
  out[8] = static_cast<char>(header.type);
  out[9] = static_cast<char>(header.flags);
}

FrameHeader decode_header(const char in[kHeaderSize]) {
  FrameHeader h;
  h.length = get_be32(in);
  h.stream_id = get_be32(in + 4);
  h.type = static_cast<uint8_t>(in[8]);
  h.flags = static_cast<uint8_t>(in[9]);
  return h;
}

absl::StatusOr<std::string> encode_frame(uint32_t stream_id, MessageType type, uint8_t flags,
                                         std::string_view payload) {
  if (payload.size() > kMaxMessageSize) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "message length ", payload.size(), " exceeds maximum message size ", kMaxMessageSize));
  }
  std::string out(kHeaderSize + payload.size(), '\0');
  encode_header(
      {static_cast<uint32_t>(payload.size()), stream_id, static_cast<uint8_t>(type), flags},
      out.data());
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderSize);
  return out;
}

void FrameDecoder::feed(std::string_view bytes) {
  if (skipping_ > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(skipping_, bytes.size()));
    skipping_ -= n;
    bytes.remove_prefix(n);
  }
  if (bytes.empty()) return;
  compact();
  buffer_.append(bytes.data(), bytes.size());
}

void FrameDecoder::compact() {
  // Drop consumed bytes once they dominate the buffer, keeping appends amortised O(1).
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
}

std::optional<Frame> FrameDecoder::next() {
  if (skipping_ > 0 || buffered() < kHeaderSize) return std::nullopt;
  FrameHeader h = decode_header(buffer_.data() + start_);
  if (h.length > kMaxMessageSize) {
    start_ += kHeaderSize;
    size_t n = static_cast<size_t>(std::min<uint64_t>(h.length, buffered()));
    start_ += n;
    skipping_ = h.length - n;
    skipped_ = h;
    if (buffered() == 0) {
      buffer_.clear();
      start_ = 0;
    }
    return Frame{h, std::string(), true};
  }
  if (buffered() < kHeaderSize + h.length) return std::nullopt;
  Frame f{h, buffer_.substr(start_ + kHeaderSize, h.length), false};
  start_ += kHeaderSize + h.length;
  if (buffered() == 0) {
    buffer_.clear();
    start_ = 0;
  }
  return f;
}

absl::Status FrameDecoder::finish() const {
  if (skipping_ > 0) {
    return absl::DataLossError(absl::StrCat("stream ended inside oversized frame (stream ",
                                            skipped_.stream_id, "): ", skipping_, " of ",
                                            skipped_.length, " payload bytes missing"));
  }
  if (buffered() == 0) return absl::OkStatus();
  if (buffered() < kHeaderSize) {
    return absl::DataLossError(absl::StrCat("stream ended inside a frame header: ", buffered(),
                                            " of ", kHeaderSize, " header bytes"));
  }
  FrameHeader h = decode_header(buffer_.data() + start_);
  return absl::DataLossError(absl::StrCat("stream ended inside a frame (stream ", h.stream_id,
                                          "): ", buffered() - kHeaderSize, " of ", h.length,
                                          " payload bytes"));
}

}  // namespace ws::shim::ttrpc
