// wast2json command parsing; nlohmann exceptions stop here.
#include "test/spec/command.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ws::spec_test {
namespace {

constexpr std::array<std::pair<CommandKind, absl::string_view>, 10> kNames = {{
    {CommandKind::kModule, "module"},
    {CommandKind::kRegister, "register"},
    {CommandKind::kAction, "action"},
    {CommandKind::kAssertReturn, "assert_return"},
    {CommandKind::kAssertTrap, "assert_trap"},
    {CommandKind::kAssertExhaustion, "assert_exhaustion"},
    {CommandKind::kAssertMalformed, "assert_malformed"},
    {CommandKind::kAssertInvalid, "assert_invalid"},
    {CommandKind::kAssertUnlinkable, "assert_unlinkable"},
    {CommandKind::kAssertUninstantiable, "assert_uninstantiable"},
}};

std::string string_field(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

absl::StatusOr<CommandKind> kind_of(absl::string_view type) {
  for (const auto& [kind, name] : kNames) {
    if (name == type) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown command type \"", type, "\""));
}

}  // namespace

absl::string_view command_name(CommandKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

bool is_counted(CommandKind kind) { return kind != CommandKind::kRegister; }

bool carries_module(CommandKind kind) {
  switch (kind) {
    case CommandKind::kModule:
    case CommandKind::kAssertMalformed:
    case CommandKind::kAssertInvalid:
    case CommandKind::kAssertUnlinkable:
    case CommandKind::kAssertUninstantiable:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<Command> parse_command(const nlohmann::json& json) {
  if (!json.is_object()) return absl::InvalidArgumentError("command is not an object");
  absl::StatusOr<CommandKind> kind = kind_of(string_field(json, "type"));
  if (!kind.ok()) return kind.status();
  Command cmd;
  cmd.kind = *kind;
  auto line = json.find("line");
  if (line == json.end() || !line->is_number_integer()) {
    return absl::InvalidArgumentError(
        absl::StrCat(command_name(cmd.kind), " command without a line number"));
  }
  cmd.line = line->get<int>();
  cmd.filename = string_field(json, "filename");
  cmd.text_module = string_field(json, "module_type") == "text" || cmd.filename.ends_with(".wat");
  cmd.text = string_field(json, "text");
  cmd.name = string_field(json, "name");
  cmd.as = string_field(json, "as");
  if (auto it = json.find("action"); it != json.end()) cmd.action = *it;
  if (auto it = json.find("expected"); it != json.end()) cmd.expected = *it;
  if (auto it = json.find("either"); it != json.end()) {
    if (!it->is_array() || it->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("assert_return at line ", cmd.line, ": \"either\" is no list of values"));
    }
    cmd.either = *it;
  }
  if (carries_module(cmd.kind) && cmd.filename.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(command_name(cmd.kind), " at line ", cmd.line, " has no module filename"));
  }
  return cmd;
}

absl::StatusOr<std::vector<Command>> parse_script(absl::string_view json_text) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("wast2json output is not JSON");
  auto commands = doc.find("commands");
  if (!doc.is_object() || commands == doc.end() || !commands->is_array()) {
    return absl::InvalidArgumentError("wast2json output has no \"commands\" array");
  }
  std::vector<Command> out;
  out.reserve(commands->size());
  for (const nlohmann::json& json : *commands) {
    absl::StatusOr<Command> cmd = parse_command(json);
    if (!cmd.ok()) return cmd.status();
    out.push_back(*std::move(cmd));
  }
  return out;
}

}  // namespace ws::spec_test
