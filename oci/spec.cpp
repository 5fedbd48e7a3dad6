// config.json -> oci::Spec with errors that name the offending field.
#include "oci/spec.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "support/file.h"
#include "support/status.h"

namespace ws::oci {
namespace {

using Json = nlohmann::json;

// Field access under a dotted path ("process.args[2]"); the first type error is kept and
// every later access is a no-op, so a parser reads straight through and checks once.
class Reader {
 public:
  explicit Reader(std::string doc) : doc_(std::move(doc)) {}

  const absl::Status& status() const { return status_; }

  bool fail(const std::string& path, std::string_view what) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(doc_, ": ", path, ": ", std::string(what)));
    }
    return false;
  }

  // The member `key` of object `j` when present and not null.
  const Json* member(const Json& j, const char* key) {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }

  bool object(const Json& j, const std::string& path) {
    return j.is_object() || fail(path, "expected an object");
  }

  void string(const Json& j, const char* key, const std::string& path, std::string& out) {
    const Json* v = member(j, key);
    if (!v) return;
    if (!v->is_string()) {
      fail(join(path, key), "expected a string");
      return;
    }
    out = v->get<std::string>();
  }

  void boolean(const Json& j, const char* key, const std::string& path, bool& out) {
    const Json* v = member(j, key);
    if (!v) return;
    if (!v->is_boolean()) {
      fail(join(path, key), "expected true or false");
      return;
    }
    out = v->get<bool>();
  }

  template <typename T>
  void unsigned_int(const Json& j, const char* key, const std::string& path, T& out) {
    const Json* v = member(j, key);
    if (!v) return;
    if (!v->is_number_unsigned() ||
        v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      fail(join(path, key), "expected a non-negative integer in range");
      return;
    }
    out = static_cast<T>(v->get<uint64_t>());
  }

  void strings(const Json& j, const char* key, const std::string& path,
               std::vector<std::string>& out) {
    const Json* v = member(j, key);
    if (!v) return;
    std::string here = join(path, key);
    if (!v->is_array()) {
      fail(here, "expected an array of strings");
      return;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      const Json& e = (*v)[i];
      if (!e.is_string()) {
        fail(absl::StrCat(here, "[", i, "]"), "expected a string");
        return;
      }
      out.push_back(e.get<std::string>());
    }
  }

  // Calls `each(element, path)` for every element of the array member `key`.
  template <typename F>
  void array(const Json& j, const char* key, const std::string& path, F each) {
    const Json* v = member(j, key);
    if (!v) return;
    std::string here = join(path, key);
    if (!v->is_array()) {
      fail(here, "expected an array");
      return;
    }
    for (size_t i = 0; i < v->size() && status_.ok(); ++i) {
      std::string at = absl::StrCat(here, "[", i, "]");
      if (object((*v)[i], at)) each((*v)[i], at);
    }
  }

  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

 private:
  std::string doc_;
  absl::Status status_;
};

void read_process(Reader& r, const Json& j, const std::string& path, Process& p) {
  r.boolean(j, "terminal", path, p.terminal);
  std::string cs_path = Reader::join(path, "consoleSize");
  if (const Json* cs = r.member(j, "consoleSize"); cs && r.object(*cs, cs_path)) {
    ConsoleSize size;
    r.unsigned_int(*cs, "height", cs_path, size.height);
    r.unsigned_int(*cs, "width", cs_path, size.width);
    p.console_size = size;
  }
  r.strings(j, "args", path, p.args);
  r.strings(j, "env", path, p.env);
  r.string(j, "cwd", path, p.cwd);
  std::string user_path = Reader::join(path, "user");
  if (const Json* user = r.member(j, "user"); user && r.object(*user, user_path)) {
    r.unsigned_int(*user, "uid", user_path, p.uid);
    r.unsigned_int(*user, "gid", user_path, p.gid);
  }
  r.array(j, "rlimits", path, [&](const Json& e, const std::string& at) {
    Rlimit l;
    r.string(e, "type", at, l.type);
    r.unsigned_int(e, "hard", at, l.hard);
    r.unsigned_int(e, "soft", at, l.soft);
    p.rlimits.push_back(std::move(l));
  });
  if (const Json* oom = r.member(j, "oomScoreAdj")) {
    if (!oom->is_number_integer() || oom->get<int64_t>() < -1000 || oom->get<int64_t>() > 1000) {
      r.fail(Reader::join(path, "oomScoreAdj"), "expected an integer from -1000 to 1000");
    } else {
      p.oom_score_adj = static_cast<int>(oom->get<int64_t>());
    }
  }
}

void read_hooks(Reader& r, const Json& j, const std::string& path, std::vector<Hook>& out) {
  if (!j.is_array()) {
    r.fail(path, "expected an array");
    return;
  }
  for (size_t i = 0; i < j.size(); ++i) {
    std::string at = absl::StrCat(path, "[", i, "]");
    const Json& e = j[i];
    if (!r.object(e, at)) return;
    Hook h;
    r.string(e, "path", at, h.path);
    if (h.path.empty()) r.fail(at + ".path", "required");
    r.strings(e, "args", at, h.args);
    r.strings(e, "env", at, h.env);
    if (const Json* t = r.member(e, "timeout")) {
      if (!t->is_number_integer() || t->get<int64_t>() <= 0 || t->get<int64_t>() > 1 << 20) {
        r.fail(at + ".timeout", "expected a positive number of seconds");
      } else {
        h.timeout = static_cast<int>(t->get<int64_t>());
      }
    }
    out.push_back(std::move(h));
  }
}

void read_all_hooks(Reader& r, const Json& j, Hooks& h) {
  struct Kind {
    const char* key;
    std::vector<Hook>* out;
  };
  for (const Kind& k :
       {Kind{"prestart", &h.prestart}, Kind{"createRuntime", &h.create_runtime},
        Kind{"createContainer", &h.create_container}, Kind{"startContainer", &h.start_container},
        Kind{"poststart", &h.poststart}, Kind{"poststop", &h.poststop}}) {
    if (const Json* list = r.member(j, k.key))
      read_hooks(r, *list, Reader::join("hooks", k.key), *k.out);
  }
}

void read_linux(Reader& r, const Json& j, Linux& l) {
  r.array(j, "namespaces", "linux", [&](const Json& e, const std::string& at) {
    Namespace ns;
    r.string(e, "type", at, ns.type);
    if (ns.type.empty()) r.fail(at + ".type", "required");
    r.string(e, "path", at, ns.path);
    l.namespaces.push_back(std::move(ns));
  });
  r.string(j, "cgroupsPath", "linux", l.cgroups_path);
  if (const Json* res = r.member(j, "resources"); res && r.object(*res, "linux.resources")) {
    l.resources_json = res->dump();
  }
}

void read_spec(Reader& r, const Json& j, Spec& s) {
  if (!r.object(j, "(document)")) return;
  r.string(j, "ociVersion", "", s.oci_version);
  if (const Json* p = r.member(j, "process"); p && r.object(*p, "process")) {
    s.process.emplace();
    read_process(r, *p, "process", *s.process);
  }
  if (const Json* root = r.member(j, "root"); root && r.object(*root, "root")) {
    r.string(*root, "path", "root", s.root.path);
    r.boolean(*root, "readonly", "root", s.root.readonly);
  }
  r.string(j, "hostname", "", s.hostname);
  r.array(j, "mounts", "", [&](const Json& e, const std::string& at) {
    Mount m;
    r.string(e, "destination", at, m.destination);
    if (m.destination.empty()) r.fail(at + ".destination", "required");
    r.string(e, "type", at, m.type);
    r.string(e, "source", at, m.source);
    r.strings(e, "options", at, m.options);
    s.mounts.push_back(std::move(m));
  });
  if (const Json* hooks = r.member(j, "hooks"); hooks && r.object(*hooks, "hooks")) {
    read_all_hooks(r, *hooks, s.hooks);
  }
  if (const Json* ann = r.member(j, "annotations"); ann && r.object(*ann, "annotations")) {
    for (auto it = ann->begin(); it != ann->end(); ++it) {
      if (!it->is_string()) {
        r.fail(absl::StrCat("annotations.", it.key()), "expected a string");
        break;
      }
      s.annotations[it.key()] = it->get<std::string>();
    }
  }
  if (const Json* linux = r.member(j, "linux"); linux && r.object(*linux, "linux")) {
    read_linux(r, *linux, s.linux);
  }
}

absl::StatusOr<Json> parse_json(std::string_view text, const std::string& doc) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(doc, ": not valid JSON"));
  return j;
}

}  // namespace

std::string Spec::annotation(std::string_view key) const {
  auto it = annotations.find(std::string(key));
  return it == annotations.end() ? std::string() : it->second;
}

bool is_pod_sandbox(const Spec& spec) {
  return spec.annotation(kCriContainerTypeAnnotation) == "sandbox";
}

absl::StatusOr<Spec> parse_spec(std::string_view json) {
  WS_ASSIGN_OR_RETURN(Json j, parse_json(json, "config.json"));
  Reader r("config.json");
  Spec s;
  read_spec(r, j, s);
  if (!r.status().ok()) return r.status();
  return s;
}

absl::StatusOr<Spec> load_spec(const std::string& bundle) {
  std::string path = absl::StrCat(bundle, "/config.json");
  WS_ASSIGN_OR_RETURN(std::string text, support::read_text_file(path));
  absl::StatusOr<Spec> s = parse_spec(text);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(bundle, "/", s.status().message()));
  }
  return s;
}

absl::StatusOr<Process> parse_process(std::string_view json) {
  WS_ASSIGN_OR_RETURN(Json j, parse_json(json, "process spec"));
  Reader r("process spec");
  Process p;
  if (r.object(j, "(document)")) read_process(r, j, "", p);
  if (!r.status().ok()) return r.status();
  return p;
}

}  // namespace ws::oci
