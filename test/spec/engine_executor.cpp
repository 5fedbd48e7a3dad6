// Runs spec-script commands on the engine (see engine_executor.h).
#include "test/spec/engine_executor.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/aot.h"
#include "test/spec/values.h"

namespace ws::spec_test {
namespace {

using engine::abi::RawValue;

bool messages_agree(const std::string& ours, const std::string& expected) {
  return absl::StrContains(ours, expected) || absl::StrContains(expected, ours);
}

engine::FuncType func_type(std::vector<engine::ValType> params) {
  engine::FuncType ft;
  ft.types = std::move(params);
  ft.num_params = static_cast<uint32_t>(ft.types.size());
  return ft;
}

}  // namespace

EngineExecutor::EngineExecutor(engine::EngineOptions options, Tier tier, std::string aot_dir)
    : tier_(tier),
      aot_dir_(std::move(aot_dir)),
      engine_(options),
      store_(std::make_unique<engine::Store>()) {
  define_spectest();
}

void EngineExecutor::define_spectest() {
  using engine::ValType;
  auto noop = [](engine::Caller&, std::span<const RawValue>, std::span<RawValue>) {
    return absl::OkStatus();
  };
  const std::pair<const char*, std::vector<ValType>> prints[] = {
      {"print", {}},
      {"print_i32", {ValType::kI32}},
      {"print_i64", {ValType::kI64}},
      {"print_f32", {ValType::kF32}},
      {"print_f64", {ValType::kF64}},
      {"print_i32_f32", {ValType::kI32, ValType::kF32}},
      {"print_f64_f64", {ValType::kF64, ValType::kF64}},
  };
  for (const auto& [name, params] : prints) {
    engine::FuncRecord* f = store_->create_host_function({func_type(params), noop, name});
    linker_.define("spectest", name, engine::Extern::of(f));
  }
  const std::pair<const char*, engine::GlobalType> globals[] = {
      {"global_i32", {ValType::kI32, false}},
      {"global_i64", {ValType::kI64, false}},
      {"global_f32", {ValType::kF32, false}},
      {"global_f64", {ValType::kF64, false}},
  };
  for (const auto& [name, type] : globals) {
    RawValue v = type.type == ValType::kI32   ? engine::raw_i32(666)
                 : type.type == ValType::kI64 ? engine::raw_i64(666)
                 : type.type == ValType::kF32 ? engine::raw_f32(666.6f)
                                              : engine::raw_f64(666.6);
    linker_.define("spectest", name, engine::Extern::of(store_->create_global(type, v)));
  }
  engine::TableType tt;
  tt.limits.min = 10;
  tt.limits.max = 20;
  if (auto t = store_->create_table(tt); t.ok()) {
    linker_.define("spectest", "table", engine::Extern::of(*t));
  }
  engine::MemoryType mt;
  mt.limits.min = 1;
  mt.limits.max = 2;
  if (auto m = store_->create_memory(mt); m.ok()) {
    linker_.define("spectest", "memory", engine::Extern::of(*m));
  }
}

absl::StatusOr<std::shared_ptr<const engine::CompiledModule>> EngineExecutor::compile(
    LoadedModule module) {
  if (tier_ == Tier::kAot) return compile_aot(std::move(module));
  return engine_.compile(std::move(module.module), std::move(module.info));
}

absl::StatusOr<std::shared_ptr<const engine::CompiledModule>> EngineExecutor::compile_aot(
    LoadedModule module) {
  namespace aot = engine::aot;
  aot::Key key = aot::make_key(module.module.bytes, engine_.options().opt_level);
  absl::StatusOr<std::vector<uint8_t>> bytes =
      aot::compile_artifact(module.module, module.info, key, 1);
  if (!bytes.ok()) return bytes.status();
  std::string path = absl::StrCat(aot_dir_, "/ws-spec-", getpid(), "-", key.digest(), ".wsaot");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes->data()),
              static_cast<std::streamsize>(bytes->size()));
    if (!out) return absl::InternalError(absl::StrCat(path, ": cannot write the artifact"));
  }
  absl::Status verified = aot::verify_artifact(*bytes);
  auto cm = std::make_shared<engine::CompiledModule>();
  cm->module = std::make_shared<const engine::Module>(std::move(module.module));
  cm->info = std::move(module.info);
  absl::StatusOr<std::shared_ptr<const engine::CompiledCode>> code =
      aot::load_artifact(path, *cm->module, key);
  std::remove(path.c_str());  // the mapping (and its open file) keeps the contents
  if (!verified.ok()) return absl::InternalError(verified.message());
  if (!code.ok()) return absl::InternalError(code.status().message());
  cm->code = *std::move(code);
  return std::shared_ptr<const engine::CompiledModule>(std::move(cm));
}

engine::Instance* EngineExecutor::find_instance(const std::string& name) const {
  if (name.empty()) return current_;
  auto it = named_.find(name);
  return it == named_.end() ? nullptr : it->second;
}

Outcome EngineExecutor::instantiate(LoadedModule module, const Command& cmd) {
  current_ = nullptr;
  current_unsupported_ = false;
  auto cm = compile(std::move(module));
  if (!cm.ok()) {
    current_unsupported_ = cm.status().code() == absl::StatusCode::kUnimplemented;
    return current_unsupported_ ? Outcome::unsupported()
                                : Outcome::failed(std::string(cm.status().message()));
  }
  auto inst = engine::instantiate(*store_, **cm, linker_);
  if (!inst.ok()) return Outcome::failed(std::string(inst.status().message()));
  current_ = *inst;
  if (!cmd.name.empty()) named_[cmd.name] = current_;
  return Outcome::passed();
}

Outcome EngineExecutor::instantiate_must_fail(LoadedModule module, const Command& cmd) {
  auto cm = compile(std::move(module));
  if (!cm.ok()) {
    return cm.status().code() == absl::StatusCode::kUnimplemented
               ? Outcome::unsupported()
               : Outcome::failed(std::string(cm.status().message()));
  }
  auto inst = engine::instantiate(*store_, **cm, linker_);
  if (inst.ok()) return Outcome::failed("instantiation succeeded");
  std::string msg(inst.status().message());
  if (!messages_agree(msg, cmd.text)) {
    return Outcome::failed(absl::StrCat("expected \"", cmd.text, "\", got: ", msg));
  }
  return Outcome::passed();
}

Outcome EngineExecutor::register_module(const Command& cmd) {
  engine::Instance* inst = find_instance(cmd.name);
  if (!inst) return current_unsupported_ ? Outcome::unsupported() : Outcome::failed("no module");
  linker_.define_instance(cmd.as, *inst);
  return Outcome::passed();
}

Outcome EngineExecutor::invoke(const nlohmann::json& action, engine::Outcome& out,
                               const engine::FuncType** type) {
  engine::Instance* inst = find_instance(action.value("module", std::string()));
  if (!inst) return current_unsupported_ ? Outcome::unsupported() : Outcome::failed("no module");
  std::string field = action.value("field", std::string());
  std::optional<engine::Extern> e = inst->find_export(field);
  if (!e || e->kind != engine::ExternKind::kFunc) {
    return Outcome::failed(absl::StrCat("no function export ", field));
  }
  std::vector<RawValue> args;
  for (const auto& a : action.value("args", nlohmann::json::array())) {
    absl::StatusOr<ScriptValue> v = parse_value(a);
    if (!v.ok()) {
      return v.status().code() == absl::StatusCode::kUnimplemented
                 ? Outcome::unsupported()
                 : Outcome::failed(std::string(v.status().message()));
    }
    args.push_back(v->raw);
  }
  auto r = store_->invoke(e->func, args);
  if (!r.ok()) return Outcome::failed(std::string(r.status().message()));
  out = std::move(*r);
  *type = e->func->type;
  return Outcome::passed();
}

Outcome EngineExecutor::get(const nlohmann::json& action, const nlohmann::json& expected) {
  engine::Instance* inst = find_instance(action.value("module", std::string()));
  if (!inst) return current_unsupported_ ? Outcome::unsupported() : Outcome::failed("no module");
  std::optional<engine::Extern> e = inst->find_export(action.value("field", std::string()));
  if (!e || e->kind != engine::ExternKind::kGlobal) return Outcome::failed("no global export");
  if (expected.empty()) return Outcome::passed();
  std::string why;
  if (!matches(expected[0], e->global->type().type, e->global->get(), why)) {
    return Outcome::failed(why);
  }
  return Outcome::passed();
}

Outcome EngineExecutor::perform(const Command& cmd) {
  if (cmd.action.value("type", std::string()) == "get") {
    return get(cmd.action,
               cmd.kind == CommandKind::kAssertReturn ? cmd.expected : nlohmann::json::array());
  }
  engine::Outcome out;
  const engine::FuncType* type = nullptr;
  Outcome o = invoke(cmd.action, out, &type);
  if (o.kind != Outcome::Kind::kPassed) return o;
  switch (cmd.kind) {
    case CommandKind::kAssertTrap:
    case CommandKind::kAssertExhaustion:
      if (!out.trapped()) return Outcome::failed("returned instead of trapping");
      if (!messages_agree(out.trap.message, cmd.text)) {
        return Outcome::failed(
            absl::StrCat("expected trap \"", cmd.text, "\", got \"", out.trap.message, "\""));
      }
      return Outcome::passed();
    case CommandKind::kAssertReturn:
      break;
    default:  // action
      return out.returned() ? Outcome::passed()
                            : Outcome::failed(absl::StrCat("trapped: ", out.trap.message));
  }
  if (!out.returned()) return Outcome::failed(absl::StrCat("trapped: ", out.trap.message));
  if (!cmd.either.is_null()) {  // one result, any of the alternatives
    if (out.results.size() != 1) return Outcome::failed("result count differs");
    std::string why;
    if (!matches_any(cmd.either, type->result(0), out.results[0], why)) {
      return Outcome::failed(absl::StrCat("result 0: ", why));
    }
    return Outcome::passed();
  }
  if (out.results.size() != cmd.expected.size()) return Outcome::failed("result count differs");
  for (size_t i = 0; i < out.results.size(); ++i) {
    std::string why;
    if (!matches(cmd.expected[i], type->result(static_cast<uint32_t>(i)), out.results[i], why)) {
      return Outcome::failed(absl::StrCat("result ", i, ": ", why));
    }
  }
  return Outcome::passed();
}

}  // namespace ws::spec_test
