// host_cpu_id(): present, stable, and the same from every core.
#include "support/cpu_id.h"

#include <sched.h>

#include <thread>

#include "gtest/gtest.h"

namespace ws::support {
namespace {

TEST(CpuId, StableAcrossCores) {
  std::string id = host_cpu_id();
  ASSERT_FALSE(id.empty());
#if defined(__x86_64__)
  EXPECT_EQ(id.rfind("x86_64 ", 0), 0u) << id;
#endif
  // Computed afresh on each core (the cached value would hide per-core differences).
  unsigned n = std::thread::hardware_concurrency();
  for (unsigned cpu = 0; cpu < n && cpu < 64; ++cpu) {
    std::string seen;
    std::thread t([&] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (sched_setaffinity(0, sizeof set, &set) != 0) return;
      seen = host_cpu_id_uncached();
    });
    t.join();
    if (!seen.empty()) {
      EXPECT_EQ(seen, id) << "cpu " << cpu;
    }
  }
}

}  // namespace
}  // namespace ws::support
