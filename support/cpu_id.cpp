// host_cpu_id(): cpuid leaves on x86-64, hwcaps elsewhere.
#include "support/cpu_id.h"

#include <sys/auxv.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace ws::support {
namespace {

void append_hex(std::string& out, uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  out += buf;
  out += ':';
}

#if defined(__x86_64__)
std::string cpu_id() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid(0, a, b, c, d);
  const unsigned max_leaf = a;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  std::string out = std::string("x86_64 ") + vendor + " ";
  auto leaf = [&](unsigned l, unsigned sub, bool eax, bool ebx, bool ecx, bool edx) {
    unsigned max = l >= 0x80000000u ? __get_cpuid_max(0x80000000u, nullptr) : max_leaf;
    a = b = c = d = 0;
    if (l <= max) __cpuid_count(l, sub, a, b, c, d);
    if (eax) append_hex(out, a);
    if (ebx) append_hex(out, b);
    if (ecx) append_hex(out, c);
    if (edx) append_hex(out, d);
  };
  leaf(1, 0, true, false, true, true);  // family/model/stepping, features (EBX: APIC id, no)
  leaf(7, 0, false, true, true, true);
  leaf(7, 1, true, false, false, true);
  leaf(0xd, 1, true, false, false, false);
  leaf(0x14, 0, false, true, false, false);
  leaf(0x19, 0, false, true, false, false);
  leaf(0x80000001u, 0, false, false, true, true);
  leaf(0x80000008u, 0, false, true, false, false);
  // Which register files the OS saves (AVX, AVX-512, AMX are unusable without it).
  uint64_t xcr0 = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27))) {  // OSXSAVE
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t{hi} << 32) | lo;
  }
  append_hex(out, xcr0);
  return out;
}
#else
std::string cpu_id() {
  std::string out = "hwcap ";
  append_hex(out, getauxval(AT_HWCAP));
  append_hex(out, getauxval(AT_HWCAP2));
  if (const char* p = reinterpret_cast<const char*>(getauxval(AT_PLATFORM))) out += p;
  return out;
}
#endif

}  // namespace

std::string host_cpu_id() {
  static const std::string id = cpu_id();
  return id;
}

std::string host_cpu_id_uncached() { return cpu_id(); }

}  // namespace ws::support
