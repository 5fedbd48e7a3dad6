// Unit tests of wasmc's option parser.
#include "tools/wasmc/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ws::tools::wasmc {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Options> parse(std::vector<std::string> args) { return parse_options(args); }

std::string error_of(std::vector<std::string> args) {
  absl::StatusOr<Options> o = parse_options(args);
  EXPECT_FALSE(o.ok());
  if (o.ok()) return "";
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(o.status().message());
}

TEST(WasmcOptions, Compile) {
  auto d = parse({"in.wasm", "-o", "out.aot"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->input, "in.wasm");
  EXPECT_EQ(d->output, "out.aot");
  EXPECT_EQ(d->opt_level, 2);
  EXPECT_EQ(d->threads, 0);
  EXPECT_FALSE(d->check.has_value());
  auto o = parse({"-O3", "--threads", "4", "--output=x", "m.wasm"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->opt_level, 3);
  EXPECT_EQ(o->threads, 4);
  EXPECT_EQ(o->output, "x");
  EXPECT_EQ(o->input, "m.wasm");
  EXPECT_EQ(parse({"--opt-level=0", "m.wasm", "-o", "y"})->opt_level, 0);
}

TEST(WasmcOptions, Check) {
  auto a = parse({"--check", "x.aot"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->check, "x.aot");
  EXPECT_EQ(a->input, "");
  auto m = parse({"--check=x.aot", "m.wasm"});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->input, "m.wasm");
}

TEST(WasmcOptions, Errors) {
  EXPECT_THAT(error_of({}), HasSubstr("no module given"));
  EXPECT_THAT(error_of({"m.wasm"}), HasSubstr("-o: no output file"));
  EXPECT_THAT(error_of({"a.wasm", "b.wasm", "-o", "x"}), HasSubstr("one module expected"));
  EXPECT_THAT(error_of({"-O4", "m.wasm", "-o", "x"}), HasSubstr("-O4: expected 0, 1, 2 or 3"));
  EXPECT_THAT(error_of({"--threads", "-1", "m.wasm", "-o", "x"}), HasSubstr("--threads"));
  EXPECT_THAT(error_of({"--threads", "many", "m.wasm", "-o", "x"}), HasSubstr("--threads"));
  EXPECT_THAT(error_of({"m.wasm", "-o"}), HasSubstr("-o: missing value"));
  EXPECT_THAT(error_of({"--frob", "m.wasm"}), HasSubstr("--frob: unknown option"));
  EXPECT_THAT(error_of({"--check", "a", "-o", "b"}), HasSubstr("-o: not used with --check"));
  EXPECT_TRUE(parse({"--help"})->help);
  EXPECT_THAT(usage_text(), HasSubstr("--check ARTIFACT"));
}

}  // namespace
}  // namespace ws::tools::wasmc
