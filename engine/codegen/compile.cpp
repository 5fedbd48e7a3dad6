// The eager compile pipeline: partitions of defined functions compiled on worker threads, each
// into an in-memory ELF object (PIC, small code model, hidden wasm symbols), then linked by
// object_linker into one CodeImage.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/PassTimingInfo.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Pass.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <queue>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/codegen/emitter.h"
#include "engine/codegen/object_linker.h"

namespace ws::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of the calling thread: phase figures stay meaningful on a loaded machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Modules with less body code than this stay one partition, so inlining is unaffected.
constexpr uint64_t kSmallModuleBytes = 64 * 1024;
// Upper bound of one partition's body bytes, which bounds each thread's LLVM memory.
constexpr uint64_t kMaxPartitionBytes = 512 * 1024;

struct Target {
  const llvm::Target* target = nullptr;
  std::string triple, cpu, features;
  std::string error;
};

const Target& host_target() {
  static const Target* t = [] {
    auto* out = new Target;
    codegen::configure_llvm();
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    out->triple = llvm::sys::getProcessTriple();
    out->cpu = llvm::sys::getHostCPUName().str();
    std::vector<std::string> features;
    for (const auto& f : llvm::sys::getHostCPUFeatures()) {
      features.push_back(absl::StrCat(f.getValue() ? "+" : "-", f.getKey().str()));
    }
    std::sort(features.begin(), features.end());
    out->features = absl::StrJoin(features, ",");
    out->target = llvm::TargetRegistry::lookupTarget(out->triple, out->error);
    return out;
  }();
  return *t;
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const Target& t, int opt_level) {
  llvm::CodeGenOptLevel level = opt_level <= 0   ? llvm::CodeGenOptLevel::None
                                : opt_level == 1 ? llvm::CodeGenOptLevel::Less
                                : opt_level == 2 ? llvm::CodeGenOptLevel::Default
                                                 : llvm::CodeGenOptLevel::Aggressive;
  llvm::TargetOptions options;
  options.EmitAddrsig = false;
  return std::unique_ptr<llvm::TargetMachine>(t.target->createTargetMachine(
      t.triple, t.cpu, t.features, options, llvm::Reloc::PIC_, llvm::CodeModel::Small, level));
}

struct Partition {
  std::vector<uint32_t> funcs;  // function indices
  uint64_t bytes = 0;
  bool extras = false;  // trampolines and host adapters
};

// Longest-processing-time assignment of functions (by body size) to `n` partitions.
std::vector<Partition> make_partitions(const Module& m, size_t n) {
  std::vector<Partition> parts(n);
  parts[0].extras = true;
  std::vector<uint32_t> order;
  for (uint32_t i = m.num_imported_funcs; i < m.functions.size(); ++i) order.push_back(i);
  auto size = [&m](uint32_t f) { return m.codes[f - m.num_imported_funcs].body.size; };
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return size(a) > size(b); });
  using Load = std::pair<uint64_t, size_t>;  // (bytes, partition), smallest first
  std::priority_queue<Load, std::vector<Load>, std::greater<>> loads;
  for (size_t p = 0; p < n; ++p) loads.push({0, p});
  for (uint32_t f : order) {
    auto [bytes, p] = loads.top();
    loads.pop();
    parts[p].funcs.push_back(f);
    parts[p].bytes += size(f);
    loads.push({parts[p].bytes, p});
  }
  for (Partition& p : parts) std::sort(p.funcs.begin(), p.funcs.end());
  std::erase_if(parts, [](const Partition& p) { return p.funcs.empty() && !p.extras; });
  std::stable_sort(parts.begin(), parts.end(),
                   [](const Partition& a, const Partition& b) { return a.bytes > b.bytes; });
  return parts;
}

size_t partition_count(uint64_t total_bytes, unsigned threads) {
  if (total_bytes <= kSmallModuleBytes) return 1;
  uint64_t by_threads = std::min<uint64_t>(uint64_t{4} * threads, total_bytes / (16 * 1024));
  uint64_t by_size = (total_bytes + kMaxPartitionBytes - 1) / kMaxPartitionBytes;
  return std::max<uint64_t>({by_threads, by_size, 1});
}

struct Timings {
  std::mutex mu;
  double emit = 0, opt = 0, codegen = 0;
  void add(double e, double o, double c) {
    std::lock_guard<std::mutex> lock(mu);
    emit += e;
    opt += o;
    codegen += c;
  }
};

// Emits, optimises and compiles one partition into an ELF relocatable object.
absl::StatusOr<std::string> compile_partition(const Module& m, const ModuleInfo& info,
                                              const Partition& part, int opt_level,
                                              Timings& timings) {
  const Target& t = host_target();
  std::unique_ptr<llvm::TargetMachine> tm = make_target_machine(t, opt_level);
  if (!tm) return absl::InternalError("cannot create a target machine for the host");
  double t0 = thread_cpu_seconds();
  llvm::LLVMContext ctx;
  llvm::Module mod("wasm", ctx);
  mod.setDataLayout(tm->createDataLayout());
  mod.setTargetTriple(t.triple);
  codegen::ModuleEnv env(m, info, ctx, mod);
  for (uint32_t f : part.funcs) {
    absl::Status s = codegen::FunctionEmitter(env, f).emit();
    if (!s.ok()) return s;
  }
  if (part.extras) {
    codegen::emit_trampolines(env);
    codegen::emit_host_adapters(env);
  }
  // Wasm symbols never leave the image: hidden + dso_local makes cross-partition calls direct.
  for (llvm::Function& f : mod) {
    if (f.getName().starts_with("ws_rt_") || !f.getName().starts_with("ws_")) continue;
    f.setVisibility(llvm::GlobalValue::HiddenVisibility);
    f.setDSOLocal(true);
  }
  std::string verify;
  llvm::raw_string_ostream vos(verify);
  if (llvm::verifyModule(mod, &vos)) {
    return absl::InternalError(absl::StrCat("codegen produced invalid IR: ", verify));
  }
  double t1 = thread_cpu_seconds();
  codegen::optimize(mod, tm.get(), opt_level);
  double t2 = thread_cpu_seconds();
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return absl::InternalError("the host target cannot emit object files");
  }
  pm.run(mod);
  timings.add(t1 - t0, t2 - t1, thread_cpu_seconds() - t2);
  return std::string(buffer.data(), buffer.size());
}

}  // namespace

namespace codegen {

void configure_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    // A debugging aid: $WASMSHIM_LLVM_OPTIONS passes LLVM's own command-line options (for
    // example "-time-passes").
    const char* env = std::getenv("WASMSHIM_LLVM_OPTIONS");
    if (env != nullptr && *env != '\0') {
      std::vector<std::string> words = absl::StrSplit(env, ' ', absl::SkipEmpty());
      std::vector<const char*> argv{"wasmshim"};
      for (const std::string& w : words) argv.push_back(w.c_str());
      llvm::cl::ParseCommandLineOptions(static_cast<int>(argv.size()), argv.data(),
                                        "wasmshim code generator", &llvm::errs());
    }
    // X86's domain reassignment (GPR chains moved to AVX-512 mask registers) is super-linear in
    // a function's size: 35-70 % of the machine-code time of CRuby's largest functions (its
    // parsers, compiler and interpreter loop), 16 % of all of CRuby's, and it changed no byte
    // of the code of CRuby, sqlite3 or the bench kernels. Off unless the options above set it.
    llvm::StringMap<llvm::cl::Option*>& options = llvm::cl::getRegisteredOptions();
    auto it = options.find(kDomainReassignmentOption);
    if (it != options.end() && it->second->getNumOccurrences() == 0) {
      (void)it->second->addOccurrence(0, kDomainReassignmentOption, "true");
    }
  });
}

}  // namespace codegen

std::string host_cpu_features() {
  const Target& t = host_target();
  return absl::StrCat(t.cpu, ";", t.features);
}

absl::StatusOr<CodeImage> compile_eager(const Module& m, const ModuleInfo& info,
                                        const CompileOptions& options, CompileStats* stats) {
  const Target& t = host_target();
  if (t.target == nullptr) {
    return absl::InternalError(absl::StrCat("no LLVM target for ", t.triple, ": ", t.error));
  }
  unsigned threads = options.threads > 0 ? static_cast<unsigned>(options.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  uint64_t total = 0;
  for (const Code& c : m.codes) total += c.body.size;
  size_t n = options.partitions > 0 ? static_cast<size_t>(options.partitions)
                                    : partition_count(total, threads);
  std::vector<Partition> parts = make_partitions(m, n);
  std::vector<absl::StatusOr<std::string>> objects(parts.size(), absl::UnknownError("not run"));
  Timings timings;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t p; (p = next.fetch_add(1)) < parts.size();) {
      objects[p] = compile_partition(m, info, parts[p], options.opt_level, timings);
    }
  };
  size_t workers = std::min<size_t>(threads, parts.size());
  std::vector<std::thread> pool;
  for (size_t i = 1; i < workers; ++i) pool.emplace_back(work);
  work();
  for (std::thread& th : pool) th.join();
  std::vector<std::string_view> views;
  for (const auto& o : objects) {
    if (!o.ok()) return o.status();
    views.push_back(*o);
  }
  if (llvm::TimePassesIsEnabled) llvm::reportAndResetTimings(&llvm::errs());
  auto t0 = Clock::now();
  absl::StatusOr<CodeImage> image = codegen::link_objects(views, m);
  if (stats != nullptr) {
    stats->partitions = static_cast<int>(parts.size());
    stats->threads = static_cast<int>(workers);
    stats->emit_seconds = timings.emit;
    stats->opt_seconds = timings.opt;
    stats->codegen_seconds = timings.codegen;
    stats->link_seconds = seconds_since(t0);
    stats->object_bytes = 0;
    for (std::string_view v : views) stats->object_bytes += v.size();
  }
  return image;
}

}  // namespace ws::engine
