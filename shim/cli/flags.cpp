// Go flag package semantics, as far as containerd's shim command lines need them.
#include "shim/cli/flags.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace ws::shim {
namespace {

bool is_action(const std::string& s) { return s == "start" || s == "delete" || s == "instance"; }

bool parse_bool(const std::string& v, bool& out) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
    out = true;
    return true;
  }
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    out = false;
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Flags> parse_flags(const std::vector<std::string>& argv) {
  Flags f;
  std::map<std::string, std::string*> strings = {{"namespace", &f.ns},
                                                 {"address", &f.address},
                                                 {"publish-binary", &f.publish_binary},
                                                 {"id", &f.id},
                                                 {"bundle", &f.bundle},
                                                 {"socket", &f.socket},
                                                 {"protocol", &f.protocol}};
  std::map<std::string, bool*> bools = {
      {"debug", &f.debug}, {"v", &f.version}, {"version", &f.version}, {"info", &f.info}};
  size_t i = 0;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;  // the action
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (auto b = bools.find(name); b != bools.end()) {
      if (has_value && !parse_bool(value, *b->second)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid boolean value \"", value, "\" for -", name));
      }
      if (!has_value) *b->second = true;
      continue;
    }
    bool next_is_value = i + 1 < argv.size() && !argv[i + 1].empty() && argv[i + 1][0] != '-';
    if (auto s = strings.find(name); s != strings.end()) {
      if (!has_value) {
        if (i + 1 >= argv.size()) {
          return absl::InvalidArgumentError(absl::StrCat("flag needs an argument: -", name));
        }
        value = argv[++i];
      }
      *s->second = value;
      continue;
    }
    f.ignored.push_back(a);
    if (!has_value && next_is_value && !is_action(argv[i + 1])) f.ignored.push_back(argv[++i]);
  }
  if (i < argv.size()) {
    f.action = argv[i++];
    if (!is_action(f.action)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown action \"", f.action, "\" (expected start or delete)"));
    }
  }
  f.args.assign(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
  return f;
}

}  // namespace ws::shim
