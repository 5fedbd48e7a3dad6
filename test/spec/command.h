// One command of a wast2json script, parsed from its JSON object.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ws::spec_test {

enum class CommandKind {
  kModule,
  kRegister,
  kAction,
  kAssertReturn,
  kAssertTrap,
  kAssertExhaustion,
  kAssertMalformed,
  kAssertInvalid,
  kAssertUnlinkable,
  kAssertUninstantiable,
};

struct Command {
  CommandKind kind = CommandKind::kModule;
  int line = 0;              // line of the command in the .wast file
  std::string filename;      // module file beside the JSON, for commands that carry a module
  bool text_module = false;  // the module is .wat text (wast2json could not encode it)
  std::string text;          // assert_*: the expected error message
  std::string name;          // module: the script's $name; register: the module registered
  std::string as;            // register: the name it is registered under
  nlohmann::json action;     // action, assert_return/trap/exhaustion: what to invoke or get
  nlohmann::json expected;   // assert_return: the expected results
  nlohmann::json either;     // assert_return (either ...): any one of these values is the result
};

// The command's JSON "type" spelling (e.g. "assert_invalid").
absl::string_view command_name(CommandKind kind);

// Whether the command counts towards a file's total (everything but register).
bool is_counted(CommandKind kind);

// Whether the command carries a module file.
bool carries_module(CommandKind kind);

// Parses one element of the script's "commands" array.
absl::StatusOr<Command> parse_command(const nlohmann::json& json);

// Parses a whole wast2json output file.
absl::StatusOr<std::vector<Command>> parse_script(absl::string_view json_text);

}  // namespace ws::spec_test
