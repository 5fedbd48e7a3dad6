// Unit tests of wasmrun's option parser and --invoke value handling.
#include "tools/wasmrun/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/runtime/value.h"
#include "tools/wasmrun/values.h"

namespace ws::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<RunOptions> parse(std::vector<std::string> args) { return parse_options(args); }

std::string error_of(std::vector<std::string> args) {
  absl::StatusOr<RunOptions> o = parse_options(args);
  EXPECT_FALSE(o.ok());
  if (o.ok()) return "";
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(o.status().message());
}

TEST(ParseOptions, ModuleAndGuestArguments) {
  auto o = parse({"prog.wasm", "a", "--dir", "-x"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->module_path, "prog.wasm");
  EXPECT_THAT(o->guest_args, ElementsAre("a", "--dir", "-x"));
  EXPECT_FALSE(o->invoke.has_value());
  EXPECT_TRUE(o->dirs.empty());
}

TEST(ParseOptions, EverythingTogether) {
  auto o =
      parse({"--dir", "/data:/srv/data:ro", "--dir=/tmp", "--env", "A=1", "--env=B=x=y",
             "--tcplisten", "127.0.0.1:8080", "--tcplisten=[::1]:0", "--invoke", "add",
             "--trap-unknown-imports", "--max-memory", "64M", "--timeout=1.5", "m.wasm", "1", "2"});
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->dirs.size(), 2u);
  EXPECT_EQ(o->dirs[0].guest_path, "/data");
  EXPECT_EQ(o->dirs[0].host_path, "/srv/data");
  EXPECT_TRUE(o->dirs[0].read_only);
  EXPECT_EQ(o->dirs[1].guest_path, "/tmp");
  EXPECT_EQ(o->dirs[1].host_path, "/tmp");
  EXPECT_FALSE(o->dirs[1].read_only);
  EXPECT_THAT(o->env, ElementsAre("A=1", "B=x=y"));
  ASSERT_EQ(o->listen.size(), 2u);
  EXPECT_EQ(o->listen[0].host, "127.0.0.1");
  EXPECT_EQ(o->listen[0].port, 8080);
  EXPECT_EQ(o->listen[1].host, "::1");
  EXPECT_EQ(o->listen[1].port, 0);
  EXPECT_EQ(o->invoke, "add");
  EXPECT_TRUE(o->trap_unknown_imports);
  EXPECT_EQ(o->max_memory_bytes, uint64_t{64} << 20);
  EXPECT_EQ(o->timeout_seconds, 1.5);
  EXPECT_EQ(o->module_path, "m.wasm");
  EXPECT_THAT(o->guest_args, ElementsAre("1", "2"));
}

TEST(ParseOptions, DoubleDashEndsOptions) {
  auto o = parse({"--env", "A=1", "--", "--odd-name.wasm", "x"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->module_path, "--odd-name.wasm");
  EXPECT_THAT(o->guest_args, ElementsAre("x"));
}

TEST(ParseOptions, HelpAndVersionNeedNoModule) {
  auto h = parse({"--help"});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->help);
  auto v = parse({"-V"});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->version);
  EXPECT_THAT(usage_text(), HasSubstr("134"));
  EXPECT_THAT(usage_text(), HasSubstr("--tcplisten"));
}

TEST(ParseOptions, BadInputsSayWhatIsWrong) {
  EXPECT_THAT(error_of({}), HasSubstr("no module given"));
  EXPECT_THAT(error_of({"--env", "A=1"}), HasSubstr("no module given"));
  EXPECT_THAT(error_of({"--frobnicate", "m.wasm"}), HasSubstr("--frobnicate: unknown option"));
  EXPECT_THAT(error_of({"--dir"}), HasSubstr("--dir: missing value"));
  EXPECT_THAT(error_of({"--dir", ":/x", "m.wasm"}), HasSubstr("expected GUEST:HOST[:ro] or HOST"));
  EXPECT_THAT(error_of({"--dir", "/g:", "m.wasm"}), HasSubstr("expected GUEST:HOST[:ro] or HOST"));
  EXPECT_THAT(error_of({"--dir", "a:b:c", "m.wasm"}), HasSubstr("too many ':'"));
  EXPECT_THAT(error_of({"--env", "NOEQUALS", "m.wasm"}), HasSubstr("--env: expected KEY=VALUE"));
  EXPECT_THAT(error_of({"--env", "=v", "m.wasm"}), HasSubstr("--env: expected KEY=VALUE"));
  EXPECT_THAT(error_of({"--tcplisten", "8080", "m.wasm"}), HasSubstr("expected ADDR:PORT"));
  EXPECT_THAT(error_of({"--tcplisten", "h:70000", "m.wasm"}), HasSubstr("expected ADDR:PORT"));
  EXPECT_THAT(error_of({"--tcplisten", "::1:80", "m.wasm"}), HasSubstr("expected ADDR:PORT"));
  EXPECT_THAT(error_of({"--tcplisten", "[::1:80", "m.wasm"}), HasSubstr("expected ADDR:PORT"));
  EXPECT_THAT(error_of({"--invoke=", "m.wasm"}), HasSubstr("--invoke: expected a function"));
  EXPECT_THAT(error_of({"--max-memory", "12X", "m.wasm"}), HasSubstr("--max-memory: expected"));
  EXPECT_THAT(error_of({"--max-memory", "-1", "m.wasm"}), HasSubstr("--max-memory: expected"));
  EXPECT_THAT(error_of({"--max-memory", "99999999999999999999G", "m.wasm"}),
              HasSubstr("--max-memory"));
  EXPECT_THAT(error_of({"--timeout", "0", "m.wasm"}), HasSubstr("--timeout: expected a positive"));
  EXPECT_THAT(error_of({"--timeout", "soon", "m.wasm"}), HasSubstr("--timeout"));
  EXPECT_THAT(error_of({"--timeout", "inf", "m.wasm"}), HasSubstr("--timeout"));
}

TEST(ParseOptions, CacheAndOptimisationLevel) {
  auto d = parse({"m.wasm"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->opt_level, 2);
  EXPECT_FALSE(d->cache_dir.has_value());
  EXPECT_FALSE(d->no_cache);
  EXPECT_FALSE(d->no_tier_up);
  auto o = parse({"-O0", "--cache-dir", "/var/tmp/c", "m.wasm", "-O3"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->opt_level, 0);
  EXPECT_EQ(o->cache_dir, "/var/tmp/c");
  EXPECT_THAT(o->guest_args, ElementsAre("-O3"));  // the guest's, not ours
  auto l = parse({"--opt-level=3", "--no-cache", "m.wasm"});
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->opt_level, 3);
  EXPECT_TRUE(l->no_cache);
  auto t = parse({"--no-tier-up", "m.wasm"});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->no_tier_up);
  EXPECT_THAT(error_of({"--opt-level", "4", "m.wasm"}), HasSubstr("--opt-level: expected 0, 1"));
  EXPECT_THAT(error_of({"-O9", "m.wasm"}), HasSubstr("-O9: unknown option"));
  EXPECT_THAT(error_of({"--cache-dir=", "m.wasm"}), HasSubstr("--cache-dir: expected a dir"));
  EXPECT_THAT(error_of({"--cache-dir", "/c", "--no-cache", "m.wasm"}),
              HasSubstr("--no-cache: cannot be combined with --cache-dir"));
  EXPECT_EQ(parse({"--cache-max", "64M", "m.wasm"})->cache_max_bytes, uint64_t{64} << 20);
  EXPECT_FALSE(parse({"m.wasm"})->cache_max_bytes.has_value());
  EXPECT_THAT(error_of({"--cache-max", "0", "m.wasm"}), HasSubstr("--cache-max: expected"));
  EXPECT_THAT(error_of({"--cache-max", "lots", "m.wasm"}), HasSubstr("--cache-max: expected"));
  EXPECT_THAT(usage_text(), HasSubstr("WASMSHIM_CACHE_DIR"));
  EXPECT_THAT(usage_text(), HasSubstr("--no-cache"));
}

TEST(ParseOptions, Tier) {
  EXPECT_EQ(parse({"m.wasm"})->tier, "");
  EXPECT_EQ(parse({"--tier", "lazy", "m.wasm"})->tier, "lazy");
  EXPECT_EQ(parse({"--tier=eager", "m.wasm"})->tier, "eager");
  EXPECT_THAT(error_of({"--tier", "fast", "m.wasm"}),
              HasSubstr("--tier: expected eager or lazy, got \"fast\""));
  EXPECT_THAT(usage_text(), HasSubstr("--tier eager|lazy"));
}

TEST(ParseByteSize, Suffixes) {
  EXPECT_EQ(*parse_byte_size("65536"), 65536u);
  EXPECT_EQ(*parse_byte_size("64k"), 65536u);
  EXPECT_EQ(*parse_byte_size("2G"), uint64_t{2} << 30);
  EXPECT_FALSE(parse_byte_size("").ok());
  EXPECT_FALSE(parse_byte_size("M").ok());
  EXPECT_FALSE(parse_byte_size("1.5M").ok());
  EXPECT_FALSE(parse_byte_size("18446744073709551615K").ok());
}

TEST(InvokeValues, ParseByParameterType) {
  using engine::ValType;
  EXPECT_EQ(engine::raw_as_i32(*parse_value(ValType::kI32, "-5")), -5);
  EXPECT_EQ(engine::raw_as_i32(*parse_value(ValType::kI32, "4294967295")), -1);
  EXPECT_EQ(engine::raw_as_i32(*parse_value(ValType::kI32, "0x10")), 16);
  EXPECT_EQ(engine::raw_as_i32(*parse_value(ValType::kI32, "-2147483648")), INT32_MIN);
  EXPECT_FALSE(parse_value(ValType::kI32, "4294967296").ok());
  EXPECT_FALSE(parse_value(ValType::kI32, "-2147483649").ok());
  EXPECT_FALSE(parse_value(ValType::kI32, "12abc").ok());
  EXPECT_EQ(engine::raw_as_i64(*parse_value(ValType::kI64, "-9223372036854775808")), INT64_MIN);
  EXPECT_EQ(engine::raw_as_f32(*parse_value(ValType::kF32, "1.5")), 1.5f);
  EXPECT_EQ(engine::raw_as_f64(*parse_value(ValType::kF64, "-inf")), -INFINITY);
  EXPECT_FALSE(parse_value(ValType::kF64, "1.0x").ok());
  EXPECT_FALSE(parse_value(ValType::kF64, " 1").ok());
  EXPECT_EQ(engine::raw_as_ref(*parse_value(ValType::kExternRef, "null")), nullptr);
  EXPECT_FALSE(parse_value(ValType::kV128, "0").ok());
  EXPECT_FALSE(parse_value(ValType::kV128, "0x0102").ok());  // 32 digits or nothing
  EXPECT_FALSE(parse_value(ValType::kV128, "0x0000000000000000000000000000000g").ok());
  auto v = parse_value(ValType::kV128, "0x0f0e0d0c0b0a09080706050403020100");
  ASSERT_TRUE(v.ok()) << v.status();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(v->bytes[i], i);
  EXPECT_EQ(format_value(ValType::kV128, *v), "0x0f0e0d0c0b0a09080706050403020100");
}

TEST(InvokeValues, ArgumentCountAndMessages) {
  engine::FuncType t;
  t.types = {engine::ValType::kI32, engine::ValType::kF64, engine::ValType::kI64};
  t.num_params = 2;
  std::vector<std::string> good = {"7", "2.5"};
  auto args = parse_invoke_args(t, good, "f");
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->size(), 2u);
  std::vector<std::string> few = {"7"};
  EXPECT_THAT(std::string(parse_invoke_args(t, few, "f").status().message()),
              HasSubstr("--invoke f: the function takes 2 argument(s), 1 given"));
  std::vector<std::string> bad = {"7", "x"};
  EXPECT_THAT(std::string(parse_invoke_args(t, bad, "f").status().message()),
              HasSubstr("argument 2: \"x\" is not a valid f64"));
}

TEST(InvokeValues, Format) {
  using engine::ValType;
  EXPECT_EQ(format_value(ValType::kI32, engine::raw_i32(-3)), "-3");
  EXPECT_EQ(format_value(ValType::kI64, engine::raw_i64(1)), "1");
  EXPECT_EQ(format_value(ValType::kF32, engine::raw_f32(0.1f)), "0.1");
  EXPECT_EQ(format_value(ValType::kF64, engine::raw_f64(2.5)), "2.5");
  EXPECT_EQ(format_value(ValType::kF64, engine::raw_f64(NAN)), "nan");
  EXPECT_EQ(format_value(ValType::kFuncRef, engine::raw_ref(nullptr)), "null");
  engine::abi::RawValue v{};
  v.bytes[0] = 0xab;
  v.bytes[15] = 0x01;
  EXPECT_EQ(format_value(ValType::kV128, v), "0x010000000000000000000000000000ab");
}

}  // namespace
}  // namespace ws::tools
