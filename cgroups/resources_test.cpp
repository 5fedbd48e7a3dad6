// linux.resources parsing and the v1/v2 translation tables.
#include "cgroups/resources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ws::cgroups {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Case {
  const char* name;
  const char* json;
  std::vector<Setting> v1;
  std::vector<Setting> v2;
};

const Case kCases[] = {
    {"empty", "{}", {}, {}},
    {"memory_limit",
     R"({"memory":{"limit":104857600}})",
     {{"memory", "memory.limit_in_bytes", "104857600"}},
     {{"memory", "memory.max", "104857600"}}},
    {"memory_unlimited",
     R"({"memory":{"limit":-1}})",
     {{"memory", "memory.limit_in_bytes", "-1"}},
     {{"memory", "memory.max", "max"}}},
    {"memory_swap_reservation",
     R"({"memory":{"limit":1000,"swap":3000,"reservation":500}})",
     {{"memory", "memory.limit_in_bytes", "1000"},
      {"memory", "memory.memsw.limit_in_bytes", "3000"},
      {"memory", "memory.soft_limit_in_bytes", "500"}},
     {{"memory", "memory.max", "1000"},
      {"memory", "memory.swap.max", "2000"},
      {"memory", "memory.low", "500"}}},
    {"swap_unlimited",
     R"({"memory":{"limit":1000,"swap":-1}})",
     {{"memory", "memory.limit_in_bytes", "1000"}, {"memory", "memory.memsw.limit_in_bytes", "-1"}},
     {{"memory", "memory.max", "1000"}, {"memory", "memory.swap.max", "max"}}},
    {"cpu_shares_quota",
     R"({"cpu":{"shares":1024,"quota":50000,"period":100000}})",
     {{"cpu", "cpu.shares", "1024"},
      {"cpu", "cpu.cfs_period_us", "100000"},
      {"cpu", "cpu.cfs_quota_us", "50000"}},
     {{"cpu", "cpu.weight", "39"}, {"cpu", "cpu.max", "50000 100000"}}},
    {"cpu_quota_default_period",
     R"({"cpu":{"quota":20000}})",
     {{"cpu", "cpu.cfs_quota_us", "20000"}},
     {{"cpu", "cpu.max", "20000 100000"}}},
    {"cpu_quota_unlimited",
     R"({"cpu":{"quota":-1,"period":50000}})",
     {{"cpu", "cpu.cfs_period_us", "50000"}, {"cpu", "cpu.cfs_quota_us", "-1"}},
     {{"cpu", "cpu.max", "max 50000"}}},
    {"cpuset",
     R"({"cpu":{"cpus":"0-1","mems":"0"}})",
     {{"cpuset", "cpuset.cpus", "0-1"}, {"cpuset", "cpuset.mems", "0"}},
     {{"cpuset", "cpuset.cpus", "0-1"}, {"cpuset", "cpuset.mems", "0"}}},
    {"pids",
     R"({"pids":{"limit":64}})",
     {{"pids", "pids.max", "64"}},
     {{"pids", "pids.max", "64"}}},
    {"zero_means_unset",
     R"({"memory":{"limit":0},"cpu":{"quota":50000,"period":0,"shares":0},"pids":{"limit":0}})",
     {{"cpu", "cpu.cfs_quota_us", "50000"}},
     {{"cpu", "cpu.max", "50000 100000"}}},
    {"pids_unlimited",
     R"({"pids":{"limit":-1}})",
     {{"pids", "pids.max", "max"}},
     {{"pids", "pids.max", "max"}}},
    {"blkio_weight",
     R"({"blockIO":{"weight":500}})",
     {{"blkio", "blkio.weight", "500"}},
     {{"io", "io.weight", "4950"}}},
    {"unified_v2_only",
     R"({"unified":{"memory.high":"5000"}})",
     {},
     {{"memory", "memory.high", "5000"}}},
};

class Translation : public ::testing::TestWithParam<Case> {};

TEST_P(Translation, V1AndV2) {
  const Case& c = GetParam();
  absl::StatusOr<Resources> r = parse_resources(c.json);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> notes;
  absl::StatusOr<std::vector<Setting>> v1 = to_v1(*r, &notes);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(*v1, c.v1);
  absl::StatusOr<std::vector<Setting>> v2 = to_v2(*r, &notes);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(*v2, c.v2);
}

INSTANTIATE_TEST_SUITE_P(Table, Translation, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Resources, ConversionsMatchRunc) {
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(1024), 39u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  EXPECT_EQ(blkio_to_io_weight(10), 1u);
  EXPECT_EQ(blkio_to_io_weight(1000), 10000u);
}

TEST(Resources, VersionOnlyFieldsAreNotedNotFatal) {
  absl::StatusOr<Resources> r = parse_resources(
      R"({"memory":{"swappiness":10,"disableOOMKiller":true},"unified":{"cpu.idle":"1"}})");
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> v1_notes, v2_notes;
  absl::StatusOr<std::vector<Setting>> v1 = to_v1(*r, &v1_notes);
  ASSERT_TRUE(v1.ok());
  EXPECT_THAT(*v1, ElementsAre(Setting{"memory", "memory.swappiness", "10"},
                               Setting{"memory", "memory.oom_control", "1"}));
  EXPECT_THAT(v1_notes, ElementsAre(HasSubstr("unified.cpu.idle")));
  absl::StatusOr<std::vector<Setting>> v2 = to_v2(*r, &v2_notes);
  ASSERT_TRUE(v2.ok());
  EXPECT_THAT(*v2, ElementsAre(Setting{"cpu", "cpu.idle", "1"}));
  EXPECT_THAT(v2_notes, ElementsAre(HasSubstr("swappiness"), HasSubstr("disableOOMKiller")));
}

TEST(Resources, UnsupportedFieldsAreListed) {
  absl::StatusOr<Resources> r = parse_resources(
      R"({"devices":[{"allow":false,"access":"rwm"}],"hugepageLimits":[{"pageSize":"2MB","limit":1}],
          "network":{"classID":1},"cpu":{"realtimeRuntime":5},"blockIO":{"leafWeight":10}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->ignored, ::testing::UnorderedElementsAre(
                              "linux.resources.cpu.realtimeRuntime",
                              "linux.resources.blockIO.leafWeight", "linux.resources.devices",
                              "linux.resources.hugepageLimits", "linux.resources.network"));
}

TEST(Resources, EmptyDevicesAndNullAreNothing) {
  absl::StatusOr<Resources> r = parse_resources(R"({"devices":[],"memory":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->ignored, IsEmpty());
  EXPECT_TRUE(parse_resources("").ok());
}

TEST(Resources, BadInputNamesTheField) {
  struct Bad {
    const char* json;
    const char* message;
  } cases[] = {
      {R"({"memory":{"limit":"big"}})", "linux.resources.memory.limit: expected an integer"},
      {R"({"cpu":{"shares":-5}})", "linux.resources.cpu.shares: expected a non-negative"},
      {R"({"cpu":{"cpus":3}})", "linux.resources.cpu.cpus: expected a string"},
      {R"({"memory":7})", "linux.resources.memory: expected an object"},
      {R"({"blockIO":{"weight":70000}})", "linux.resources.blockIO.weight"},
      {R"({"unified":{"../x":"1"}})", "invalid file name"},
      {R"([1])", "expected an object"},
      {R"({"memory":)", "malformed JSON"},
  };
  for (const Bad& b : cases) {
    absl::StatusOr<Resources> r = parse_resources(b.json);
    ASSERT_FALSE(r.ok()) << b.json;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(b.message)) << b.json;
  }
}

TEST(Resources, ContradictoryValuesAreRejected) {
  std::vector<std::string> notes;
  absl::StatusOr<Resources> r = parse_resources(R"({"memory":{"limit":2000,"swap":1000}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_v1(*r, &notes).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(to_v2(*r, &notes).status().code(), absl::StatusCode::kInvalidArgument);
  r = parse_resources(R"({"memory":{"swap":1000}})");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(std::string(to_v2(*r, &notes).status().message()), HasSubstr("needs a memory"));
  r = parse_resources(R"({"memory":{"swappiness":101}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_v1(*r, &notes).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ws::cgroups
