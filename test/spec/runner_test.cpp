// Unit tests of the spec runner's pure parts: manifest and list parsing, command verdicts, tallies.
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/spec/classify.h"
#include "test/spec/command.h"
#include "test/spec/lists.h"
#include "test/spec/manifest.h"
#include "test/spec/report.h"
#include "test/spec/values.h"

namespace ws::spec_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kManifest =
    "path\tbytes\tsha256\tfeature\twabt_flags\tinterp_passed\tinterp_total\n"
    "address.wast\t29863\tabc\tmvp\t(default)\t260\t260\n"
    "proposals/memory64/load64.wast\t1\tdef\tproposal:memory64\t--enable-memory64\t97\t98\n"
    "proposals/relaxed-simd/dot.wast\t1\t123\tproposal:relaxed-simd\tNONE\t\t\n";

TEST(SpecManifest, ParsesRows) {
  absl::StatusOr<std::vector<ManifestEntry>> m = parse_manifest(kManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].path, "address.wast");
  EXPECT_TRUE((*m)[0].wabt_flags.empty());
  EXPECT_EQ((*m)[0].interp_total, 260);
  EXPECT_THAT((*m)[1].wabt_flags, ElementsAre("--enable-memory64"));
  EXPECT_EQ((*m)[1].interp_passed, 97);
  EXPECT_EQ((*m)[1].interp_total, 98);
  EXPECT_FALSE((*m)[2].convertible);
}

TEST(SpecManifest, RejectsBadInput) {
  EXPECT_FALSE(parse_manifest("path\tbytes\n").ok());
  std::string header = "path\tbytes\tsha256\tfeature\twabt_flags\tinterp_passed\tinterp_total\n";
  EXPECT_THAT(parse_manifest(header + "a.wast\t1\tx\tmvp\t(default)\t1\n").status().message(),
              HasSubstr("line 2: expected 7 columns"));
  EXPECT_FALSE(parse_manifest(header + "a.wast\t1\tx\tmvp\t(default)\t1\tmany\n").ok());
}

TEST(SpecManifest, FeaturesPerDirectory) {
  engine::Features core = *features_for_path("simd_lane.wast");
  EXPECT_TRUE(core.simd);
  EXPECT_FALSE(core.memory64 || core.tail_call || core.relaxed_simd);
  EXPECT_TRUE(features_for_path("proposals/tail-call/return_call.wast")->tail_call);
  EXPECT_TRUE(features_for_path("proposals/extended-const/data.wast")->extended_const);
  EXPECT_TRUE(features_for_path("proposals/multi-memory/load.wast")->multi_memory);
  engine::Features m64 = *features_for_path("proposals/memory64/load64.wast");
  EXPECT_TRUE(m64.memory64);
  EXPECT_FALSE(m64.multi_memory || m64.reference_types);
  EXPECT_TRUE(core.reference_types);
  engine::Features relaxed = *features_for_path("proposals/relaxed-simd/x.wast");
  EXPECT_TRUE(relaxed.relaxed_simd && relaxed.simd);
  EXPECT_FALSE(features_for_path("proposals/gc/x.wast").ok());
}

TEST(SpecLists, KnownFailures) {
  auto empty = parse_known_failures("# file\tline\treason\n\n", "kf");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto one = parse_known_failures("# c\na.wast\t12\tdecoder bug\n", "kf");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].file, "a.wast");
  EXPECT_EQ((*one)[0].line, 12);
  EXPECT_EQ((*one)[0].reason, "decoder bug");
  EXPECT_THAT(parse_known_failures("a.wast\tx\tr\n", "kf").status().message(),
              HasSubstr("kf line 1: bad line number"));
  EXPECT_FALSE(parse_known_failures("a.wast\t3\n", "kf").ok());    // no reason
  EXPECT_FALSE(parse_known_failures("a.wast\t3\t\n", "kf").ok());  // empty reason
  EXPECT_FALSE(parse_known_failures("a.wast\t3\tr\na.wast\t3\ts\n", "kf").ok());
}

TEST(SpecLists, OutOfScopeAndCrossCheck) {
  auto manifest = *parse_manifest(kManifest);
  auto oos = parse_out_of_scope("proposals/relaxed-simd/dot.wast\twabt too old\t#12\n", "oos");
  ASSERT_TRUE(oos.ok()) << oos.status();
  EXPECT_EQ((*oos)[0].issue, "#12");
  EXPECT_TRUE(check_lists(manifest, {}, *oos).ok());
  EXPECT_THAT(check_lists(manifest, {}, {}).message(), HasSubstr("cannot convert"));
  EXPECT_FALSE(check_lists(manifest, {}, {{"gone.wast", "r", "i"}, (*oos)[0]}).ok());
  EXPECT_TRUE(check_lists(manifest, {{"address.wast", 3, "r"}}, *oos).ok());
  EXPECT_FALSE(check_lists(manifest, {{"nope.wast", 3, "r"}}, *oos).ok());
  EXPECT_FALSE(check_lists(manifest, {{"proposals/relaxed-simd/dot.wast", 3, "r"}}, *oos).ok());
  EXPECT_FALSE(parse_out_of_scope("a.wast\treason\n", "oos").ok());  // no issue column
}

TEST(SpecCommands, ParsesScript) {
  auto cmds = parse_script(R"({"source_filename": "x.wast", "commands": [
      {"type": "module", "line": 1, "name": "$M", "filename": "x.0.wasm"},
      {"type": "register", "line": 2, "name": "$M", "as": "m"},
      {"type": "assert_malformed", "line": 3, "filename": "x.1.wat", "text": "unknown operator",
       "module_type": "text"},
      {"type": "assert_return", "line": 4, "action": {"type": "invoke", "field": "f", "args": []},
       "expected": []}]})");
  ASSERT_TRUE(cmds.ok()) << cmds.status();
  ASSERT_EQ(cmds->size(), 4u);
  EXPECT_EQ((*cmds)[0].name, "$M");
  EXPECT_FALSE((*cmds)[0].text_module);
  EXPECT_EQ((*cmds)[1].kind, CommandKind::kRegister);
  EXPECT_FALSE(is_counted((*cmds)[1].kind));
  EXPECT_EQ((*cmds)[1].as, "m");
  EXPECT_TRUE((*cmds)[2].text_module);
  EXPECT_EQ((*cmds)[2].text, "unknown operator");
  EXPECT_EQ((*cmds)[3].action["field"], "f");
  EXPECT_FALSE(parse_script("not json").ok());
  EXPECT_FALSE(parse_script(R"({"commands": [{"type": "assert_magic", "line": 1}]})").ok());
  EXPECT_FALSE(parse_script(R"({"commands": [{"type": "module", "line": 1}]})").ok());
}

TEST(SpecCommands, ParsesEitherResults) {
  auto cmds = parse_script(R"({"commands": [
      {"type": "assert_return", "line": 5, "action": {"type": "invoke", "field": "f", "args": []},
       "either": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]}]})");
  ASSERT_TRUE(cmds.ok()) << cmds.status();
  EXPECT_EQ((*cmds)[0].either.size(), 2u);
  EXPECT_TRUE((*cmds)[0].expected.is_null());
  EXPECT_FALSE(parse_script(R"({"commands": [{"type": "assert_return", "line": 5,
      "action": {"type": "invoke", "field": "f"}, "either": []}]})")
                   .ok());
}

TEST(SpecValues, V128LanesAndEither) {
  auto v = parse_value(nlohmann::json::parse(
      R"({"type": "v128", "lane_type": "i16", "value": ["1", "65535", "0", "0", "0", "0", "0", "7"]})"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->raw.bytes[0], 1);
  EXPECT_EQ(v->raw.bytes[2], 0xff);
  EXPECT_EQ(v->raw.bytes[14], 7);
  // f32 lanes: 1.0, a canonical NaN, an arithmetic NaN with payload, -0.0.
  engine::abi::RawValue r{};
  uint32_t lanes[4] = {0x3f800000u, 0xffc00000u, 0x7fc00001u, 0x80000000u};
  std::memcpy(r.bytes, lanes, 16);
  auto f32x4 = [](const char* l1, const char* l2) {
    return nlohmann::json{
        {"type", "v128"}, {"lane_type", "f32"}, {"value", {"1065353216", l1, l2, "2147483648"}}};
  };
  std::string why;
  EXPECT_TRUE(matches(f32x4("nan:canonical", "nan:arithmetic"), engine::ValType::kV128, r, why));
  EXPECT_FALSE(matches(f32x4("nan:canonical", "nan:canonical"), engine::ValType::kV128, r, why));
  EXPECT_FALSE(matches(f32x4("0", "nan:arithmetic"), engine::ValType::kV128, r, why));
  nlohmann::json either = {f32x4("0", "0"), f32x4("nan:arithmetic", "nan:arithmetic")};
  EXPECT_TRUE(matches_any(either, engine::ValType::kV128, r, why));
  either.erase(1);
  EXPECT_FALSE(matches_any(either, engine::ValType::kV128, r, why));
  EXPECT_THAT(why, HasSubstr("expected one of"));
}

Command command(CommandKind kind, std::string text = "", bool text_module = false) {
  Command c;
  c.kind = kind;
  c.line = 7;
  c.filename = text_module ? "x.1.wat" : "x.1.wasm";
  c.text = std::move(text);
  c.text_module = text_module;
  return c;
}

const ModuleCheck kValid{};
const ModuleCheck kMalformed{
    absl::InvalidArgumentError("code section, offset 0x1f: unexpected end"), absl::OkStatus()};
const ModuleCheck kInvalid{absl::OkStatus(),
                           absl::InvalidArgumentError("function 0, offset 0x2: type mismatch")};

TEST(SpecJudge, AssertMalformed) {
  CommandResult r =
      judge_module(command(CommandKind::kAssertMalformed, "unexpected end"), kMalformed);
  EXPECT_EQ(r.verdict, Verdict::kPassed);
  EXPECT_EQ(r.message_matched, true);
  r = judge_module(command(CommandKind::kAssertMalformed, "integer too large"), kMalformed);
  EXPECT_EQ(r.verdict, Verdict::kPassed);
  EXPECT_EQ(r.message_matched, false);
  EXPECT_EQ(judge_module(command(CommandKind::kAssertMalformed, "x"), kValid).verdict,
            Verdict::kFailed);
  r = judge_module(command(CommandKind::kAssertMalformed, "x"), kInvalid);
  EXPECT_EQ(r.verdict, Verdict::kFailed);
  EXPECT_THAT(r.message, HasSubstr("type mismatch"));
  r = judge_module(command(CommandKind::kAssertMalformed, "x", true), kValid);
  EXPECT_EQ(r.verdict, Verdict::kSkipped);
  EXPECT_EQ(r.skip, SkipReason::kText);
}

TEST(SpecJudge, AssertInvalid) {
  CommandResult r = judge_module(command(CommandKind::kAssertInvalid, "type mismatch"), kInvalid);
  EXPECT_EQ(r.verdict, Verdict::kPassed);
  EXPECT_EQ(r.message_matched, true);
  r = judge_module(command(CommandKind::kAssertInvalid, "type mismatch"), kMalformed);
  EXPECT_EQ(r.verdict, Verdict::kFailed);  // wrong phase
  EXPECT_THAT(r.message, HasSubstr("decode failed"));
  EXPECT_EQ(judge_module(command(CommandKind::kAssertInvalid, "x"), kValid).verdict,
            Verdict::kFailed);
  EXPECT_EQ(judge_module(command(CommandKind::kAssertInvalid, "x", true), kValid).skip,
            SkipReason::kText);
}

TEST(SpecJudge, ModulesAndInstantiation) {
  EXPECT_EQ(judge_module(command(CommandKind::kModule), kValid).verdict, Verdict::kPassed);
  EXPECT_EQ(judge_module(command(CommandKind::kModule), kMalformed).verdict, Verdict::kFailed);
  EXPECT_EQ(judge_module(command(CommandKind::kModule), kInvalid).verdict, Verdict::kFailed);
  CommandResult r = judge_module(command(CommandKind::kAssertUnlinkable), kValid);
  EXPECT_EQ(r.verdict, Verdict::kSkipped);
  EXPECT_EQ(r.skip, SkipReason::kExecution);
  EXPECT_EQ(judge_module(command(CommandKind::kAssertUninstantiable), kInvalid).verdict,
            Verdict::kFailed);
}

TEST(SpecJudge, ExecutorOutcomes) {
  CommandResult skipped = CommandResult::skipped(SkipReason::kExecution);
  EXPECT_EQ(with_outcome(skipped, Outcome::unsupported()).verdict, Verdict::kSkipped);
  EXPECT_EQ(with_outcome(skipped, Outcome::passed()).verdict, Verdict::kPassed);
  CommandResult failed = with_outcome(CommandResult::passed(), Outcome::failed("trap"));
  EXPECT_EQ(failed.verdict, Verdict::kFailed);
  EXPECT_EQ(failed.message, "trap");
}

TEST(SpecJudge, KnownFailures) {
  EXPECT_EQ(with_known_failure(CommandResult::failed("x"), true).verdict,
            Verdict::kExpectedFailure);
  EXPECT_EQ(with_known_failure(CommandResult::passed(), true).verdict, Verdict::kUnexpectedPass);
  EXPECT_EQ(with_known_failure(CommandResult::skipped(SkipReason::kText), true).verdict,
            Verdict::kSkipped);
  EXPECT_EQ(with_known_failure(CommandResult::failed("x"), false).verdict, Verdict::kFailed);
}

TEST(SpecReport, TalliesAndFormats) {
  FileReport r;
  r.path = "a.wast";
  r.expected_total = 5;
  tally(r, command(CommandKind::kModule), CommandResult::passed());
  tally(r, command(CommandKind::kAssertInvalid, "x"), CommandResult::failed("validated"));
  tally(r, command(CommandKind::kAssertMalformed), CommandResult::skipped(SkipReason::kText));
  tally(r, command(CommandKind::kAssertReturn), CommandResult::skipped(SkipReason::kExecution));
  EXPECT_TRUE(r.count_mismatch());
  tally(r, command(CommandKind::kAssertTrap), CommandResult::skipped(SkipReason::kExecution));
  EXPECT_FALSE(r.count_mismatch());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(format_file_line(r),
            "a.wast: 1 passed, 1 failed, 3 skipped (text 1, execution 2); NOT EXECUTED: 2 "
            "commands (the engine reported UNIMPLEMENTED)");
  EXPECT_THAT(format_details(r, false),
              ElementsAre("  FAIL a.wast:7: assert_invalid: validated (expected \"x\")"));
  Totals t;
  t.add(r);
  EXPECT_EQ(format_total_line(t.counts), "1 passed, 1 failed, 3 skipped");
  EXPECT_FALSE(t.ok());
}

TEST(SpecReport, ExecutionSkipsFailTheFile) {
  FileReport r;
  r.path = "a.wast";
  r.expected_total = 2;
  tally(r, command(CommandKind::kModule), CommandResult::passed());
  tally(r, command(CommandKind::kAssertMalformed), CommandResult::skipped(SkipReason::kText));
  EXPECT_TRUE(r.ok());  // text modules the runner cannot encode may be skipped
  tally(r, command(CommandKind::kAssertReturn), CommandResult::skipped(SkipReason::kExecution));
  r.expected_total = 3;
  EXPECT_FALSE(r.ok());
}

TEST(SpecReport, ListedCommandsAndMismatches) {
  FileReport r;
  r.path = "a.wast";
  r.expected_total = 1;
  tally(r, command(CommandKind::kModule), with_known_failure(CommandResult::failed("bug"), true));
  EXPECT_TRUE(r.ok());  // expected failures do not fail the run
  CommandResult mismatch = CommandResult::passed();
  mismatch.message_matched = false;
  mismatch.our_error = "ours";
  tally(r, command(CommandKind::kAssertInvalid, "theirs"), mismatch);
  r.expected_total = 2;
  EXPECT_TRUE(r.ok());  // message mismatches do not either
  EXPECT_TRUE(format_details(r, false).empty());
  EXPECT_EQ(format_details(r, true).size(), 2u);
  tally(r, command(CommandKind::kModule), with_known_failure(CommandResult::passed(), true));
  r.expected_total = 3;
  EXPECT_FALSE(r.ok());  // an unexpected pass does
  EXPECT_FALSE(r.count_mismatch());
  EXPECT_THAT(format_file_line(r), HasSubstr("1 UNEXPECTED PASSES"));
}

}  // namespace
}  // namespace ws::spec_test
