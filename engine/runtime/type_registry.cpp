// Canonical function-type ids: a mutex-guarded map from an encoded signature to its id.
#include "engine/runtime/type_registry.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace ws::engine {
namespace {

// Encodes a signature as its value-type bytes with the parameter count in front.
std::string signature_key(const FuncType& type) {
  std::string key(sizeof(uint32_t), '\0');
  for (size_t i = 0; i < sizeof(uint32_t); ++i)
    key[i] = static_cast<char>(type.num_params >> 8 * i);
  for (ValType t : type.types) key.push_back(static_cast<char>(t));
  return key;
}

}  // namespace

uint32_t canonical_type_id(const FuncType& type) {
  static std::mutex mu;
  static auto* ids = new std::unordered_map<std::string, uint32_t>();  // lives until exit
  std::string key = signature_key(type);
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = ids->try_emplace(std::move(key), static_cast<uint32_t>(ids->size() + 1));
  return it->second;
}

}  // namespace ws::engine
