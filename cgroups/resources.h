// OCI linux.resources as plain data, and its translation into per-controller file values for
// cgroup v1 and v2. Pure: no file system access, so both versions are tested on any host.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace ws::cgroups {

// The fields of linux.resources that are applied. Absent fields stay unset (left as they are);
// as in runc, a 0 limit, reservation, swap, shares, quota, period, pids limit or weight is unset.
struct Resources {
  struct Memory {
    std::optional<int64_t> limit;            // bytes, -1 = unlimited
    std::optional<int64_t> reservation;      // soft limit
    std::optional<int64_t> swap;             // memory+swap limit (OCI semantics), -1 = unlimited
    std::optional<uint64_t> swappiness;      // v1 only
    std::optional<bool> disable_oom_killer;  // v1 only
  } memory;
  struct Cpu {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;  // microseconds per period, <= 0 = unlimited
    std::optional<uint64_t> period;
    std::string cpus;  // cpuset, "" = unset
    std::string mems;
  } cpu;
  std::optional<int64_t> pids_limit;  // < 0 = unlimited
  std::optional<uint16_t> blkio_weight;
  std::map<std::string, std::string> unified;  // v2 file -> value, applied as is
  // Fields present in the spec that are not applied ("linux.resources.devices", ...).
  std::vector<std::string> ignored;
};

// Parses linux.resources JSON ("" -> no resources). INVALID_ARGUMENT names the field of a wrong
// type; unknown or unsupported fields land in `ignored`.
absl::StatusOr<Resources> parse_resources(absl::string_view json);

// One value to write: `<controller hierarchy>/<cgroup>/<file>` on v1, `<cgroup>/<file>` on v2.
struct Setting {
  std::string controller;  // "memory", "cpu", "cpuset", "pids", "blkio" / "io"
  std::string file;
  std::string value;
  bool operator==(const Setting&) const = default;
};

// Settings in the order they must be written (period before quota, limit before memsw).
// `notes` receives what a version cannot express. INVALID_ARGUMENT for contradictory values.
absl::StatusOr<std::vector<Setting>> to_v1(const Resources& r, std::vector<std::string>* notes);
absl::StatusOr<std::vector<Setting>> to_v2(const Resources& r, std::vector<std::string>* notes);

// runc's conversions: cpu.shares (2..262144) -> cpu.weight (1..10000), blkio.weight (10..1000)
// -> io.weight (1..10000).
uint64_t shares_to_weight(uint64_t shares);
uint64_t blkio_to_io_weight(uint64_t weight);

}  // namespace ws::cgroups
