// ws_kernels_native: times the CPU kernels compiled natively (clang -O2) and prints JSON lines.
#include <cstdint>
#include <cstdio>
#include <string>

#include "harness.h"

extern "C" {
#define WS_KERNEL(name, n, what) int64_t name##_run(int32_t);
#include "kernels.def"
#undef WS_KERNEL
}

namespace {

using KernelFn = int64_t (*)(int32_t);

struct NativeKernel {
  const char* name;
  KernelFn fn;
};

constexpr NativeKernel kNative[] = {
#define WS_KERNEL(name, n, what) {#name, &name##_run},
#include "kernels.def"
#undef WS_KERNEL
};

KernelFn native_fn(const std::string& name) {
  for (const NativeKernel& k : kNative) {
    if (name == k.name) return k.fn;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  ws::bench::Options opts;
  if (!ws::bench::parse_options(argc, argv, /*wants_dir=*/false, opts)) return 2;
  int status = 0;
  for (const ws::bench::KernelRequest& k : opts.kernels) {
    // Called through a volatile pointer so nothing about `n` or the callee is known here.
    KernelFn volatile fn = native_fn(k.name);
    ws::bench::Timing t = ws::bench::time_best_of(opts.runs, [&](int64_t& sum, std::string&) {
      sum = fn(k.n);
      return true;
    });
    if (!t.consistent) {
      std::fprintf(stderr, "ws_kernels_native: %s returned different checksums across calls\n",
                   k.name.c_str());
      status = 1;
    }
    ws::bench::print_result("native", k, opts.runs, t);
  }
  return status;
}
