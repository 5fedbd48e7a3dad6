// The eager pipeline with forced partitions and AOT artifacts: round trip, memory images, and
// truncated, corrupt and mismatched files rejected with the right codes.
#include "engine/aot.h"

#include "absl/strings/str_cat.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/codegen/codegen.h"
#include "engine/engine.h"
#include "engine/runtime/artifact.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

using ::testing::HasSubstr;

// Functions calling each other (across partitions when split), a br_table (a jump table in
// read-only data), float constants, a memory.fill (an intrinsic import) and data segments.
constexpr char kWat[] = R"((module
  (memory (export "mem") 2)
  (data (i32.const 16) "hello")
  (data (i32.const 70000) "world")
  (data (i32.const 18) "LL")
  (data "passive bytes")
  (func $pick (param i32) (result i32)
    (block (block (block (block (br_table 0 1 2 3 (local.get 0)))
      (return (i32.const 10))) (return (i32.const 20))) (return (i32.const 30)))
    (i32.const 40))
  (func $scale (param f64) (result f64) (f64.mul (local.get 0) (f64.const 1.5)))
  (func $sum (param i32) (result i32)
    (i32.add (call $pick (local.get 0)) (i32.trunc_f64_s (call $scale (f64.convert_i32_s (local.get 0))))))
  (func (export "run") (param i32) (result i32)
    (memory.fill (i32.const 100) (i32.const 7) (i32.const 8))
    (i32.add (call $sum (local.get 0)) (i32.load8_u (i32.const 104))))
  (func (export "init") (memory.init 3 (i32.const 200) (i32.const 0) (i32.const 7)))
  (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))))
)";

std::shared_ptr<const CompiledModule> load(const std::string& wat) {
  Engine engine;
  auto cm = engine.load(ws::testing::wat_to_wasm(wat));
  EXPECT_TRUE(cm.ok()) << cm.status();
  return cm.ok() ? *cm : nullptr;
}

std::shared_ptr<const CompiledModule> with_code(const CompiledModule& base,
                                                std::shared_ptr<const CompiledCode> code) {
  auto out = std::make_shared<CompiledModule>();
  out->module = base.module;
  out->info = base.info;
  out->code = std::move(code);
  return out;
}

struct Running {
  Store store;
  Linker linker;
  Instance* inst = nullptr;
  explicit Running(const CompiledModule& cm) {
    auto i = instantiate(store, cm, linker);
    EXPECT_TRUE(i.ok()) << i.status();
    if (i.ok()) inst = *i;
  }
  int32_t call(const char* name, int32_t arg) {
    std::vector<abi::RawValue> args{raw_i32(arg)};
    auto out = call_export(store, *inst, name, args);
    EXPECT_TRUE(out.ok() && out->returned());
    return out.ok() && out->returned() ? raw_as_i32(out->results[0]) : -1;
  }
  std::string memory() {
    Memory* mem = inst->find_export("mem")->memory;
    return std::string(reinterpret_cast<const char*>(mem->base()), mem->size_bytes());
  }
};

class TempFile {
 public:
  TempFile() {
    char name[] = "/tmp/ws_aot_test_XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    path_ = name;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }
  void write(std::span<const uint8_t> bytes) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }

 private:
  std::string path_;
};

TEST(EagerPipeline, SplitIntoPartitionsLinksAndRunsLikeOnePartition) {
  auto cm = load(kWat);
  ASSERT_NE(cm, nullptr);
  for (int parts : {1, 4}) {
    CompileOptions o;
    o.partitions = parts;
    o.threads = 2;
    CompileStats stats;
    auto image = compile_eager(*cm->module, cm->info, o, &stats);
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(stats.partitions, parts);
    EXPECT_THAT(image->imports, ::testing::Contains("ws_rt_memory_fill"));
    EXPECT_EQ(image->bytes.size() % CodeImage::kPageSize, 0u);
    for (const CodeImage::Range& r : image->ranges) {
      EXPECT_LT(r.start, r.end);
      EXPECT_LE(r.end, image->code_size);
    }
    auto code = load_code_image(*image);
    ASSERT_TRUE(code.ok()) << code.status();
    Running run(*with_code(*cm, *code));
    ASSERT_NE(run.inst, nullptr);
    // pick(2) = 30, trunc(2 * 1.5) = 3, the filled byte = 7.
    EXPECT_EQ(run.call("run", 2), 40) << parts << " partitions";
    EXPECT_EQ(run.call("run", 9), 40 + 13 + 7) << parts << " partitions";
  }
}

TEST(CodeImage, ImportsOutsideTheAllowedTableAreRejected) {
  CodeImage image;
  image.imports = {"system"};
  image.bytes.assign(CodeImage::kPageSize, 0xcc);
  image.code_size = CodeImage::kPageSize;
  auto code = load_code_image(image);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(code.status().message(), HasSubstr("\"system\""));
  EXPECT_NE(resolve_image_import("fmod"), nullptr);
  EXPECT_NE(resolve_image_import("ws_rt_trap"), nullptr);
}

// The map perf reads: "START SIZE wasm_function[i]" (hex, i the module's function index, imports
// first) per defined function of each image loaded with WASMSHIM_PERF_MAP set; nothing without.
TEST(CodeImage, PerfMapListsEachLoadedFunctionWhenAsked) {
  auto cm = load(R"((module
    (import "env" "f" (func $f))
    (func (export "a") (call $f))
    (func (export "b") (result i32) (i32.const 7))))");
  ASSERT_NE(cm, nullptr);
  auto image = compile_eager(*cm->module, cm->info, CompileOptions{});
  ASSERT_TRUE(image.ok()) << image.status();
  const std::string path = absl::StrCat("/tmp/perf-", getpid(), ".map");
  // The caller's setting (someone profiling the tests) comes back at the end.
  const char* outer = std::getenv("WASMSHIM_PERF_MAP");
  const std::optional<std::string> saved = outer ? std::optional<std::string>(outer) : std::nullopt;
  unsetenv("WASMSHIM_PERF_MAP");
  std::remove(path.c_str());
  auto quiet = load_code_image(*image);
  const bool quiet_wrote = access(path.c_str(), F_OK) == 0;
  setenv("WASMSHIM_PERF_MAP", "1", 1);
  auto code = load_code_image(*image);
  if (saved) {
    setenv("WASMSHIM_PERF_MAP", saved->c_str(), 1);
  } else {
    unsetenv("WASMSHIM_PERF_MAP");
  }
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  std::remove(path.c_str());
  ASSERT_TRUE(quiet.ok()) << quiet.status();
  EXPECT_FALSE(quiet_wrote) << "written without WASMSHIM_PERF_MAP";
  ASSERT_TRUE(code.ok()) << code.status();
  const auto& ranges = (*code)->ranges;
  ASSERT_EQ(ranges.size(), 2u);
  std::string expected;
  for (size_t i = 0; i < ranges.size(); ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "%lx %lx wasm_function[%zu]\n",
                  static_cast<unsigned long>(ranges[i].start),
                  static_cast<unsigned long>(ranges[i].end - ranges[i].start), i + 1);
    expected += line;
  }
  EXPECT_EQ(text.str(), expected);
}

class Artifact : public ::testing::Test {
 protected:
  void SetUp() override {
    cm_ = load(kWat);
    ASSERT_NE(cm_, nullptr);
    key_ = aot::make_key(cm_->module->bytes, 2);
    auto bytes = aot::compile_artifact(*cm_->module, cm_->info, key_, 2);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    bytes_ = std::move(*bytes);
  }
  absl::StatusOr<std::shared_ptr<const CompiledCode>> load_bytes(std::span<const uint8_t> b,
                                                                 const aot::Key& key) {
    file_.write(b);
    return aot::load_artifact(file_.path(), *cm_->module, key);
  }
  std::shared_ptr<const CompiledModule> cm_;
  aot::Key key_;
  std::vector<uint8_t> bytes_;
  TempFile file_;
};

TEST_F(Artifact, RoundTripRunsAndMapsTheMemoryImage) {
  EXPECT_TRUE(aot::verify_artifact(bytes_).ok());
  auto code = load_bytes(bytes_, key_);
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_TRUE((*code)->memory_image.has_value());
  EXPECT_EQ((*code)->memory_image->offset, 0u);
  EXPECT_EQ((*code)->memory_image->size, 73728u);  // up to the page after 70005
  Running aot_run(*with_code(*cm_, *code));
  Running jit_run(*cm_);
  ASSERT_NE(aot_run.inst, nullptr);
  ASSERT_NE(jit_run.inst, nullptr);
  EXPECT_EQ(aot_run.call("run", 3), jit_run.call("run", 3));
  EXPECT_EQ(aot_run.memory().substr(16, 5), "heLLo");
  EXPECT_EQ(aot_run.memory().substr(70000, 5), "world");
  EXPECT_EQ(aot_run.memory(), jit_run.memory());
  // Passive segments keep their bytes; the mapping is private to each instance.
  EXPECT_TRUE(call_export(aot_run.store, *aot_run.inst, "init", {}).ok());
  EXPECT_EQ(aot_run.memory().substr(200, 7), "passive");
  Running second(*with_code(*cm_, *code));
  EXPECT_EQ(second.memory().substr(200, 7), std::string(7, '\0'));
  auto trap = call_export(aot_run.store, *aot_run.inst, "div", std::vector{raw_i32(0)});
  ASSERT_TRUE(trap.ok());
  ASSERT_TRUE(trap->trapped());
  EXPECT_EQ(trap->trap.code, TrapCode::kIntegerDivideByZero);
  ASSERT_FALSE(trap->trap.backtrace.empty());
}

TEST(MemoryImage, OnlyWhenEverySegmentIsConstantAndInBounds) {
  auto in_bounds = load(R"((module (memory 1) (data (i32.const 10) "ok")))");
  auto out_of_bounds = load(R"((module (memory 1)
    (data (i32.const 10) "ok") (data (i32.const 65535) "xx")))");
  auto global_offset = load(R"((module (import "m" "g" (global i32)) (memory 1)
    (data (global.get 0) "ok")))");
  auto imported = load(R"((module (import "m" "mem" (memory 1)) (data (i32.const 10) "ok")))");
  for (const auto& cm : {in_bounds, out_of_bounds, global_offset, imported}) ASSERT_NE(cm, nullptr);
  auto img = aot::build_memory_image(*in_bounds->module);
  ASSERT_TRUE(img.has_value());
  EXPECT_EQ(img->bytes.size(), CodeImage::kPageSize);
  EXPECT_EQ(img->bytes[11], 'k');
  EXPECT_FALSE(aot::build_memory_image(*out_of_bounds->module).has_value());
  EXPECT_FALSE(aot::build_memory_image(*global_offset->module).has_value());
  EXPECT_FALSE(aot::build_memory_image(*imported->module).has_value());

  // Without an image the artifact's instantiation still traps on the bad segment.
  auto key = aot::make_key(out_of_bounds->module->bytes, 2);
  auto bytes = aot::compile_artifact(*out_of_bounds->module, out_of_bounds->info, key, 1);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  TempFile file;
  file.write(*bytes);
  auto code = aot::load_artifact(file.path(), *out_of_bounds->module, key);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_FALSE((*code)->memory_image.has_value());
  Store store;
  auto inst = instantiate(store, *with_code(*out_of_bounds, *code), Linker());
  ASSERT_FALSE(inst.ok());
  EXPECT_THAT(inst.status().message(), HasSubstr("out of bounds"));
}

TEST_F(Artifact, TruncatedFilesAreRejected) {
  for (size_t keep : {size_t{0}, size_t{100}, bytes_.size() / 2, bytes_.size() - 1}) {
    std::span<const uint8_t> cut(bytes_.data(), keep);
    auto code = load_bytes(cut, key_);
    ASSERT_FALSE(code.ok()) << keep;
    EXPECT_EQ(code.status().code(), absl::StatusCode::kInvalidArgument) << code.status();
    EXPECT_EQ(aot::verify_artifact(cut).code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(Artifact, CorruptMetadataIsRejectedAtLoadAndCorruptCodeByVerify) {
  aot::ArtifactHeader h;
  std::memcpy(&h, bytes_.data(), sizeof(h));
  std::vector<uint8_t> meta = bytes_;
  meta[h.meta_offset + h.meta_size - 3] ^= 0x40;
  auto code = load_bytes(meta, key_);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(code.status().message(), HasSubstr("metadata hash"));

  std::vector<uint8_t> magic = bytes_;
  magic[0] = 'X';
  EXPECT_EQ(load_bytes(magic, key_).status().code(), absl::StatusCode::kInvalidArgument);

  std::vector<uint8_t> text = bytes_;
  text[h.code_offset + 1] ^= 0xff;
  absl::Status v = aot::verify_artifact(text);
  EXPECT_EQ(v.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.message(), HasSubstr("checksum"));
}

TEST_F(Artifact, EveryFlippedHeaderOrMetadataByteIsRejectedAtLoad) {
  aot::ArtifactHeader h;
  std::memcpy(&h, bytes_.data(), sizeof(h));
  size_t file_digest = offsetof(aot::ArtifactHeader, file_sha256);
  for (size_t i = 0; i < h.meta_offset + h.meta_size; ++i) {
    if (i >= file_digest && i < file_digest + 32) continue;  // checked by verify_artifact only
    std::vector<uint8_t> bad = bytes_;
    bad[i] ^= 0x01;
    auto code = load_bytes(bad, key_);
    ASSERT_FALSE(code.ok()) << "byte " << i;
    EXPECT_NE(aot::verify_artifact(bad).code(), absl::StatusCode::kOk) << "byte " << i;
  }
}

TEST_F(Artifact, KeyMismatchNamesThePart) {
  struct Case {
    const char* part;
    aot::Key key;
  };
  std::vector<Case> cases(4, Case{"", key_});
  cases[0].part = "module sha256";
  cases[0].key.module_sha256[0] ^= 1;
  cases[1].part = "engine build";
  cases[1].key.engine_build += "x";
  cases[2].part = "CPU features";
  cases[2].key.cpu_features = "other";
  cases[3].part = "opt level";
  cases[3].key.opt_level = 3;
  for (const Case& c : cases) {
    auto code = load_bytes(bytes_, c.key);
    ASSERT_FALSE(code.ok());
    EXPECT_EQ(code.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(code.status().message(), HasSubstr(c.part));
  }
  EXPECT_NE(key_.digest(), cases[3].key.digest());
}

TEST_F(Artifact, RecordsItsKeyAndTheCpuFeaturesItNeeds) {
  file_.write(bytes_);
  absl::StatusOr<aot::Key> recorded = aot::read_artifact_key(file_.path());
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->digest(), key_.digest());
  EXPECT_EQ(recorded->engine_build, aot::engine_build_id());

  std::vector<aot::CpuFeature> host = {{"avx2", true}, {"avx512f", false}};
  EXPECT_EQ(aot::missing_cpu_feature("x;+avx2,-avx512f", host), std::nullopt);
  EXPECT_EQ(aot::missing_cpu_feature("x;+avx2,+avx512f,+unknown", host), "avx512f");
  // What load_artifact checks: the artifact's own features against this CPU.
  EXPECT_EQ(aot::missing_cpu_feature(recorded->cpu_features, aot::cpuid_features()), std::nullopt);
}

}  // namespace
}  // namespace ws::engine
