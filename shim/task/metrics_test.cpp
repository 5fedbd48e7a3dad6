// Stats -> containerd metrics: the Any's type and the values that `ctr task metrics` prints.
#include "shim/task/metrics.h"

#include <gtest/gtest.h>

namespace ws::shim {
namespace {

cgroups::Stats sample(cgroups::Version v) {
  cgroups::Stats s;
  s.version = v;
  s.cpu_usage_ns = 5000000;
  s.cpu_user_ns = 3000000;
  s.cpu_system_ns = 2000000;
  s.cpu_per_cpu_ns = {4000000, 1000000};
  s.cpu_periods = 40;
  s.cpu_throttled_periods = 12;
  s.cpu_throttled_ns = 7000000;
  s.memory_usage = 1 << 20;
  s.memory_limit = 64 << 20;
  s.memory_stat = {{"rss", 4096}, {"total_rss", 8192}, {"anon", 12288}};
  s.memory_events = {{"oom_kill", 1}, {"max", 3}};
  s.oom_kills = 1;
  s.pids_current = 1;
  s.pids_limit = 32;
  return s;
}

TEST(Metrics, V1) {
  google::protobuf::Any any = pack_metrics(sample(cgroups::Version::kV1));
  EXPECT_EQ(any.type_url(), "io.containerd.cgroups.v1.Metrics");
  ::io::containerd::cgroups::v1::Metrics m;
  ASSERT_TRUE(m.ParseFromString(any.value()));
  EXPECT_EQ(m.cpu().usage().total(), 5000000u);
  EXPECT_EQ(m.cpu().usage().user(), 3000000u);
  EXPECT_EQ(m.cpu().usage().kernel(), 2000000u);
  ASSERT_EQ(m.cpu().usage().per_cpu_size(), 2);
  EXPECT_EQ(m.cpu().throttling().throttled_periods(), 12u);
  EXPECT_EQ(m.cpu().throttling().periods(), 40u);
  EXPECT_EQ(m.memory().usage().usage(), 1u << 20);
  EXPECT_EQ(m.memory().usage().limit(), 64u << 20);
  EXPECT_EQ(m.memory().rss(), 4096u);
  EXPECT_EQ(m.memory().total_rss(), 8192u);
  EXPECT_EQ(m.memory_oom_control().oom_kill(), 1u);
  EXPECT_EQ(m.pids().limit(), 32u);
}

TEST(Metrics, V2) {
  google::protobuf::Any any = pack_metrics(sample(cgroups::Version::kV2));
  EXPECT_EQ(any.type_url(), "io.containerd.cgroups.v2.Metrics");
  ::io::containerd::cgroups::v2::Metrics m;
  ASSERT_TRUE(m.ParseFromString(any.value()));
  EXPECT_EQ(m.cpu().usage_usec(), 5000u);
  EXPECT_EQ(m.cpu().nr_throttled(), 12u);
  EXPECT_EQ(m.cpu().throttled_usec(), 7000u);
  EXPECT_EQ(m.memory().usage(), 1u << 20);
  EXPECT_EQ(m.memory().usage_limit(), 64u << 20);
  EXPECT_EQ(m.memory().anon(), 12288u);
  EXPECT_EQ(m.memory_events().oom_kill(), 1u);
  EXPECT_EQ(m.memory_events().max(), 3u);
  EXPECT_EQ(m.pids().current(), 1u);
}

// containerd's own definition of Metrics has no field 1000: what it decodes is exactly the
// message without our figures, followed by one field it keeps as unknown.
TEST(Metrics, WasmFiguresTravelAsOneTrailingFieldContainerdDoesNotKnow) {
  WasmStats wasm{3 << 16, 5 << 16};
  for (cgroups::Version v : {cgroups::Version::kV1, cgroups::Version::kV2}) {
    google::protobuf::Any with = pack_metrics(sample(v), wasm);
    google::protobuf::Any without = pack_metrics(sample(v));
    EXPECT_EQ(with.type_url(), without.type_url());
    ASSERT_GT(with.value().size(), without.value().size());
    EXPECT_EQ(with.value().substr(0, without.value().size()), without.value());
    ::io::wasmshim::metrics::v1::WasmMetrics w;
    std::string tail = with.value().substr(without.value().size());
    // Tag of field 1000, wire type 2 (length-delimited) as a varint: 8002 => 0xC2 0x3E.
    ASSERT_GE(tail.size(), 3u);
    EXPECT_EQ(static_cast<uint8_t>(tail[0]), 0xC2);
    EXPECT_EQ(static_cast<uint8_t>(tail[1]), 0x3E);
    ASSERT_TRUE(w.ParseFromString(tail.substr(3)));
    EXPECT_EQ(w.linear_memory_bytes(), 3u << 16);
    EXPECT_EQ(w.linear_memory_peak_bytes(), 5u << 16);
  }
  ::io::containerd::cgroups::v1::Metrics m;
  ASSERT_TRUE(m.ParseFromString(pack_metrics(sample(cgroups::Version::kV1), wasm).value()));
  EXPECT_EQ(m.wasm().linear_memory_bytes(), 3u << 16);
  EXPECT_EQ(m.cpu().usage().total(), 5000000u);
}

}  // namespace
}  // namespace ws::shim
