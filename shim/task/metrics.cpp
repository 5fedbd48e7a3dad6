// Stats -> containerd cgroup metrics (field names follow containerd/cgroups' own readers).
#include "shim/task/metrics.h"

#include "proto/any.h"

namespace ws::shim {
namespace {

uint64_t get(const std::map<std::string, uint64_t>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

::io::containerd::cgroups::v1::Metrics to_v1_metrics(const cgroups::Stats& s) {
  ::io::containerd::cgroups::v1::Metrics out;
  auto* cpu = out.mutable_cpu();
  cpu->mutable_usage()->set_total(s.cpu_usage_ns);
  cpu->mutable_usage()->set_user(s.cpu_user_ns);
  cpu->mutable_usage()->set_kernel(s.cpu_system_ns);
  for (uint64_t v : s.cpu_per_cpu_ns) cpu->mutable_usage()->add_per_cpu(v);
  cpu->mutable_throttling()->set_periods(s.cpu_periods);
  cpu->mutable_throttling()->set_throttled_periods(s.cpu_throttled_periods);
  cpu->mutable_throttling()->set_throttled_time(s.cpu_throttled_ns);
  auto* mem = out.mutable_memory();
  const auto& st = s.memory_stat;
  mem->set_cache(get(st, "cache"));
  mem->set_rss(get(st, "rss"));
  mem->set_rss_huge(get(st, "rss_huge"));
  mem->set_mapped_file(get(st, "mapped_file"));
  mem->set_dirty(get(st, "dirty"));
  mem->set_writeback(get(st, "writeback"));
  mem->set_pg_pg_in(get(st, "pgpgin"));
  mem->set_pg_pg_out(get(st, "pgpgout"));
  mem->set_pg_fault(get(st, "pgfault"));
  mem->set_pg_maj_fault(get(st, "pgmajfault"));
  mem->set_inactive_anon(get(st, "inactive_anon"));
  mem->set_active_anon(get(st, "active_anon"));
  mem->set_inactive_file(get(st, "inactive_file"));
  mem->set_active_file(get(st, "active_file"));
  mem->set_unevictable(get(st, "unevictable"));
  mem->set_hierarchical_memory_limit(get(st, "hierarchical_memory_limit"));
  mem->set_hierarchical_swap_limit(get(st, "hierarchical_memsw_limit"));
  mem->set_total_cache(get(st, "total_cache"));
  mem->set_total_rss(get(st, "total_rss"));
  mem->set_total_rss_huge(get(st, "total_rss_huge"));
  mem->set_total_mapped_file(get(st, "total_mapped_file"));
  mem->set_total_dirty(get(st, "total_dirty"));
  mem->set_total_writeback(get(st, "total_writeback"));
  mem->set_total_pg_pg_in(get(st, "total_pgpgin"));
  mem->set_total_pg_pg_out(get(st, "total_pgpgout"));
  mem->set_total_pg_fault(get(st, "total_pgfault"));
  mem->set_total_pg_maj_fault(get(st, "total_pgmajfault"));
  mem->set_total_inactive_anon(get(st, "total_inactive_anon"));
  mem->set_total_active_anon(get(st, "total_active_anon"));
  mem->set_total_inactive_file(get(st, "total_inactive_file"));
  mem->set_total_active_file(get(st, "total_active_file"));
  mem->set_total_unevictable(get(st, "total_unevictable"));
  mem->mutable_usage()->set_usage(s.memory_usage);
  mem->mutable_usage()->set_limit(s.memory_limit);
  mem->mutable_usage()->set_max(s.memory_max_usage);
  mem->mutable_usage()->set_failcnt(s.memory_failcnt);
  mem->mutable_swap()->set_usage(s.swap_usage);
  mem->mutable_swap()->set_limit(s.swap_limit);
  out.mutable_pids()->set_current(s.pids_current);
  out.mutable_pids()->set_limit(s.pids_limit);
  out.mutable_memory_oom_control()->set_oom_kill(s.oom_kills);
  out.mutable_memory_oom_control()->set_under_oom(s.under_oom);
  return out;
}

::io::containerd::cgroups::v2::Metrics to_v2_metrics(const cgroups::Stats& s) {
  ::io::containerd::cgroups::v2::Metrics out;
  auto* cpu = out.mutable_cpu();
  cpu->set_usage_usec(s.cpu_usage_ns / 1000);
  cpu->set_user_usec(s.cpu_user_ns / 1000);
  cpu->set_system_usec(s.cpu_system_ns / 1000);
  cpu->set_nr_periods(s.cpu_periods);
  cpu->set_nr_throttled(s.cpu_throttled_periods);
  cpu->set_throttled_usec(s.cpu_throttled_ns / 1000);
  auto* mem = out.mutable_memory();
  const auto& st = s.memory_stat;
  mem->set_anon(get(st, "anon"));
  mem->set_file(get(st, "file"));
  mem->set_kernel_stack(get(st, "kernel_stack"));
  mem->set_slab(get(st, "slab"));
  mem->set_sock(get(st, "sock"));
  mem->set_shmem(get(st, "shmem"));
  mem->set_file_mapped(get(st, "file_mapped"));
  mem->set_file_dirty(get(st, "file_dirty"));
  mem->set_file_writeback(get(st, "file_writeback"));
  mem->set_anon_thp(get(st, "anon_thp"));
  mem->set_inactive_anon(get(st, "inactive_anon"));
  mem->set_active_anon(get(st, "active_anon"));
  mem->set_inactive_file(get(st, "inactive_file"));
  mem->set_active_file(get(st, "active_file"));
  mem->set_unevictable(get(st, "unevictable"));
  mem->set_slab_reclaimable(get(st, "slab_reclaimable"));
  mem->set_slab_unreclaimable(get(st, "slab_unreclaimable"));
  mem->set_pgfault(get(st, "pgfault"));
  mem->set_pgmajfault(get(st, "pgmajfault"));
  mem->set_usage(s.memory_usage);
  mem->set_usage_limit(s.memory_limit);
  mem->set_max_usage(s.memory_max_usage);
  mem->set_swap_usage(s.swap_usage);
  mem->set_swap_limit(s.swap_limit);
  auto* ev = out.mutable_memory_events();
  ev->set_low(get(s.memory_events, "low"));
  ev->set_high(get(s.memory_events, "high"));
  ev->set_max(get(s.memory_events, "max"));
  ev->set_oom(get(s.memory_events, "oom"));
  ev->set_oom_kill(get(s.memory_events, "oom_kill"));
  out.mutable_pids()->set_current(s.pids_current);
  out.mutable_pids()->set_limit(s.pids_limit);
  return out;
}

google::protobuf::Any pack_metrics(const cgroups::Stats& s, const std::optional<WasmStats>& wasm) {
  ::io::wasmshim::metrics::v1::WasmMetrics w;
  if (wasm) {
    w.set_linear_memory_bytes(wasm->linear_memory_bytes);
    w.set_linear_memory_peak_bytes(wasm->linear_memory_peak_bytes);
  }
  google::protobuf::Any any;
  if (s.version == cgroups::Version::kV2) {
    auto m = to_v2_metrics(s);
    if (wasm) *m.mutable_wasm() = w;
    proto::PackBare(m, &any);
  } else {
    auto m = to_v1_metrics(s);
    if (wasm) *m.mutable_wasm() = w;
    proto::PackBare(m, &any);
  }
  return any;
}

}  // namespace ws::shim
