// linux.resources parsing and its v1/v2 translation tables (the conversions follow runc).
#include "cgroups/resources.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace ws::cgroups {
namespace {

using nlohmann::json;

absl::Status wrong_type(const std::string& field, const char* want) {
  return absl::InvalidArgumentError(absl::StrCat("linux.resources.", field, ": expected ", want));
}

template <typename T>
absl::Status get_int(const json& obj, const char* key, const std::string& where,
                     std::optional<T>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  std::string field = absl::StrCat(where, ".", key);
  if (!it->is_number_integer()) return wrong_type(field, "an integer");
  if constexpr (std::is_unsigned_v<T>) {
    if (it->is_number_unsigned() || it->template get<int64_t>() >= 0) {
      uint64_t v = it->template get<uint64_t>();
      if (v > std::numeric_limits<T>::max()) return wrong_type(field, "a smaller integer");
      *out = static_cast<T>(v);
      return absl::OkStatus();
    }
    return wrong_type(field, "a non-negative integer");
  } else {
    if (it->is_number_unsigned() &&
        it->template get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return wrong_type(field, "a 64-bit signed integer");
    }
    *out = it->template get<int64_t>();
    return absl::OkStatus();
  }
}

absl::Status get_string(const json& obj, const char* key, const std::string& where,
                        std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return wrong_type(absl::StrCat(where, ".", key), "a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status object_or_absent(const json& root, const char* key, const json** out) {
  *out = nullptr;
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return wrong_type(key, "an object");
  *out = &*it;
  return absl::OkStatus();
}

void note_unknown(const json& obj, const std::string& where,
                  std::initializer_list<const char*> known, std::vector<std::string>* out) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool hit = false;
    for (const char* k : known) hit = hit || it.key() == k;
    if (!hit && !it->is_null()) out->push_back(absl::StrCat("linux.resources.", where, it.key()));
  }
}

absl::Status parse_memory(const json& m, Resources* r) {
  Resources::Memory& mem = r->memory;
  const std::string w = "memory";
  for (auto [key, field] :
       {std::pair{"limit", &mem.limit}, {"reservation", &mem.reservation}, {"swap", &mem.swap}}) {
    if (absl::Status s = get_int(m, key, w, field); !s.ok()) return s;
  }
  if (absl::Status s = get_int(m, "swappiness", w, &mem.swappiness); !s.ok()) return s;
  if (auto it = m.find("disableOOMKiller"); it != m.end() && !it->is_null()) {
    if (!it->is_boolean()) return wrong_type("memory.disableOOMKiller", "a boolean");
    mem.disable_oom_killer = it->get<bool>();
  }
  note_unknown(m, "memory.", {"limit", "reservation", "swap", "swappiness", "disableOOMKiller"},
               &r->ignored);
  return absl::OkStatus();
}

absl::Status parse_cpu(const json& c, Resources* r) {
  const std::string w = "cpu";
  if (absl::Status s = get_int(c, "shares", w, &r->cpu.shares); !s.ok()) return s;
  if (absl::Status s = get_int(c, "quota", w, &r->cpu.quota); !s.ok()) return s;
  if (absl::Status s = get_int(c, "period", w, &r->cpu.period); !s.ok()) return s;
  if (absl::Status s = get_string(c, "cpus", w, &r->cpu.cpus); !s.ok()) return s;
  if (absl::Status s = get_string(c, "mems", w, &r->cpu.mems); !s.ok()) return s;
  note_unknown(c, "cpu.", {"shares", "quota", "period", "cpus", "mems"}, &r->ignored);
  return absl::OkStatus();
}

// As runc: 0 means "not set" for these fields (ctr sends period 0 with --cpu-quota alone).
void drop_zeros(Resources* r) {
  auto drop = [](auto& v) {
    if (v && *v == 0) v.reset();
  };
  drop(r->memory.limit);
  drop(r->memory.reservation);
  drop(r->memory.swap);
  drop(r->cpu.shares);
  drop(r->cpu.quota);
  drop(r->cpu.period);
  drop(r->pids_limit);
  drop(r->blkio_weight);
}

}  // namespace

absl::StatusOr<Resources> parse_resources(absl::string_view text) {
  Resources r;
  if (text.empty()) return r;
  json root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("linux.resources: malformed JSON");
  if (root.is_null()) return r;
  if (!root.is_object()) return absl::InvalidArgumentError("linux.resources: expected an object");
  const json* sub = nullptr;
  if (absl::Status s = object_or_absent(root, "memory", &sub); !s.ok()) return s;
  if (sub) {
    if (absl::Status s = parse_memory(*sub, &r); !s.ok()) return s;
  }
  if (absl::Status s = object_or_absent(root, "cpu", &sub); !s.ok()) return s;
  if (sub) {
    if (absl::Status s = parse_cpu(*sub, &r); !s.ok()) return s;
  }
  if (absl::Status s = object_or_absent(root, "pids", &sub); !s.ok()) return s;
  if (sub) {
    if (absl::Status s = get_int(*sub, "limit", "pids", &r.pids_limit); !s.ok()) return s;
  }
  if (absl::Status s = object_or_absent(root, "blockIO", &sub); !s.ok()) return s;
  if (sub) {
    if (absl::Status s = get_int(*sub, "weight", "blockIO", &r.blkio_weight); !s.ok()) return s;
    note_unknown(*sub, "blockIO.", {"weight"}, &r.ignored);
  }
  if (absl::Status s = object_or_absent(root, "unified", &sub); !s.ok()) return s;
  if (sub) {
    for (auto it = sub->begin(); it != sub->end(); ++it) {
      if (!it->is_string()) return wrong_type(absl::StrCat("unified.", it.key()), "a string");
      if (it.key().find('/') != std::string::npos || it.key().empty() || it.key()[0] == '.') {
        return absl::InvalidArgumentError(
            absl::StrCat("linux.resources.unified: invalid file name \"", it.key(), "\""));
      }
      r.unified[it.key()] = it->get<std::string>();
    }
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& k = it.key();
    if (k == "memory" || k == "cpu" || k == "pids" || k == "blockIO" || k == "unified") continue;
    // An empty devices list (what containerd always sends) or null is nothing to ignore.
    if (it->is_null() || (it->is_array() && it->empty())) continue;
    r.ignored.push_back(absl::StrCat("linux.resources.", k));
  }
  drop_zeros(&r);
  return r;
}

uint64_t shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_to_io_weight(uint64_t weight) {
  if (weight == 0) return 0;
  if (weight < 10) weight = 10;
  if (weight > 1000) weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

absl::StatusOr<std::vector<Setting>> to_v1(const Resources& r, std::vector<std::string>* notes) {
  std::vector<Setting> out;
  const auto& m = r.memory;
  if (m.limit && m.swap && *m.limit > 0 && *m.swap > 0 && *m.swap < *m.limit) {
    return absl::InvalidArgumentError(absl::StrCat("linux.resources.memory: swap (", *m.swap,
                                                   ") is below limit (", *m.limit, ")"));
  }
  if (m.limit) out.push_back({"memory", "memory.limit_in_bytes", absl::StrCat(*m.limit)});
  if (m.swap) out.push_back({"memory", "memory.memsw.limit_in_bytes", absl::StrCat(*m.swap)});
  if (m.reservation) {
    out.push_back({"memory", "memory.soft_limit_in_bytes", absl::StrCat(*m.reservation)});
  }
  if (m.swappiness) {
    if (*m.swappiness > 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("linux.resources.memory.swappiness: ", *m.swappiness, " is above 100"));
    }
    out.push_back({"memory", "memory.swappiness", absl::StrCat(*m.swappiness)});
  }
  if (m.disable_oom_killer.value_or(false)) out.push_back({"memory", "memory.oom_control", "1"});
  if (r.cpu.shares) out.push_back({"cpu", "cpu.shares", absl::StrCat(*r.cpu.shares)});
  if (r.cpu.period) out.push_back({"cpu", "cpu.cfs_period_us", absl::StrCat(*r.cpu.period)});
  if (r.cpu.quota) {
    out.push_back({"cpu", "cpu.cfs_quota_us", absl::StrCat(*r.cpu.quota > 0 ? *r.cpu.quota : -1)});
  }
  if (!r.cpu.cpus.empty()) out.push_back({"cpuset", "cpuset.cpus", r.cpu.cpus});
  if (!r.cpu.mems.empty()) out.push_back({"cpuset", "cpuset.mems", r.cpu.mems});
  if (r.pids_limit) {
    out.push_back({"pids", "pids.max", *r.pids_limit > 0 ? absl::StrCat(*r.pids_limit) : "max"});
  }
  if (r.blkio_weight) out.push_back({"blkio", "blkio.weight", absl::StrCat(*r.blkio_weight)});
  for (const auto& [file, value] : r.unified) {
    notes->push_back(absl::StrCat("linux.resources.unified.", file, " (cgroup v2 only)"));
  }
  return out;
}

absl::StatusOr<std::vector<Setting>> to_v2(const Resources& r, std::vector<std::string>* notes) {
  std::vector<Setting> out;
  const auto& m = r.memory;
  auto max_or = [](int64_t v) { return v < 0 ? std::string("max") : absl::StrCat(v); };
  if (m.limit) out.push_back({"memory", "memory.max", max_or(*m.limit)});
  if (m.swap) {
    // OCI's swap is memory+swap; v2's memory.swap.max is swap alone.
    if (*m.swap < 0) {
      out.push_back({"memory", "memory.swap.max", "max"});
    } else if (!m.limit || *m.limit < 0) {
      return absl::InvalidArgumentError(
          "linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2");
    } else if (*m.swap < *m.limit) {
      return absl::InvalidArgumentError(absl::StrCat("linux.resources.memory: swap (", *m.swap,
                                                     ") is below limit (", *m.limit, ")"));
    } else {
      out.push_back({"memory", "memory.swap.max", absl::StrCat(*m.swap - *m.limit)});
    }
  }
  if (m.reservation) out.push_back({"memory", "memory.low", max_or(*m.reservation)});
  if (m.swappiness) notes->push_back("linux.resources.memory.swappiness (cgroup v1 only)");
  if (m.disable_oom_killer.value_or(false)) {
    notes->push_back("linux.resources.memory.disableOOMKiller (cgroup v1 only)");
  }
  if (r.cpu.shares) {
    out.push_back({"cpu", "cpu.weight", absl::StrCat(shares_to_weight(*r.cpu.shares))});
  }
  if (r.cpu.quota || r.cpu.period) {
    std::string quota = r.cpu.quota && *r.cpu.quota > 0 ? absl::StrCat(*r.cpu.quota) : "max";
    out.push_back({"cpu", "cpu.max", absl::StrCat(quota, " ", r.cpu.period.value_or(100000))});
  }
  if (!r.cpu.cpus.empty()) out.push_back({"cpuset", "cpuset.cpus", r.cpu.cpus});
  if (!r.cpu.mems.empty()) out.push_back({"cpuset", "cpuset.mems", r.cpu.mems});
  if (r.pids_limit) {
    out.push_back({"pids", "pids.max", *r.pids_limit > 0 ? absl::StrCat(*r.pids_limit) : "max"});
  }
  if (r.blkio_weight) {
    out.push_back({"io", "io.weight", absl::StrCat(blkio_to_io_weight(*r.blkio_weight))});
  }
  for (const auto& [file, value] : r.unified) {
    std::string controller = file.substr(0, file.find('.'));
    out.push_back({controller, file, value});
  }
  return out;
}

}  // namespace ws::cgroups
