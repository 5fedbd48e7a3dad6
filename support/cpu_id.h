// An identity of the host CPU for cache keys, computed without LLVM: everything LLVM's host
// detection derives the target CPU and its features from (x86: cpuid feature leaves and the
// register state the OS enables; other CPUs: the kernel's hwcaps), so code compiled for the
// host on one machine is reused only on a machine with the same identity.
#pragma once

#include <string>

namespace ws::support {

// E.g. "x86_64 GenuineIntel 000806ec 7ffafbff:bfebfbff:..." (stable for the machine; per-core
// values such as APIC ids are left out).
std::string host_cpu_id();
// The same, computed afresh on the calling thread's core (host_cpu_id() computes it once).
std::string host_cpu_id_uncached();

}  // namespace ws::support
