// Signature interning (see rt_types.h).
#include <mutex>
#include <string>
#include <unordered_map>

#include "rt_types.h"

namespace kiln::rt {
namespace {

// Key: the param types, a 0 byte (no valtype is 0), then the result types.
std::string signatureKey(const uint8_t* params, size_t numParams, const uint8_t* results, size_t numResults) {
  std::string key;
  key.reserve(numParams + numResults + 1);
  key.append(reinterpret_cast<const char*>(params), numParams);
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(results), numResults);
  return key;
}

struct Interner {
  std::mutex mutex;
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::string> keys{std::string()};  // index 0 unused
};

Interner& interner() {
  static Interner* instance = new Interner;  // never destroyed: used until exit
  return *instance;
}

}  // namespace

uint32_t internSignature(const uint8_t* params, size_t numParams, const uint8_t* results, size_t numResults) {
  std::string key = signatureKey(params, numParams, results, numResults);
  Interner& in = interner();
  std::lock_guard<std::mutex> lock(in.mutex);
  auto it = in.ids.find(key);
  if (it != in.ids.end()) return it->second;
  auto id = static_cast<uint32_t>(in.keys.size());
  in.keys.push_back(key);
  in.ids.emplace(std::move(key), id);
  return id;
}

uint32_t internType(const kiln_type_desc& type) {
  return internSignature(type.types, type.num_params, type.types + type.num_params, type.num_results);
}

bool signatureOf(uint32_t id, std::vector<uint8_t>* params, std::vector<uint8_t>* results) {
  Interner& in = interner();
  std::lock_guard<std::mutex> lock(in.mutex);
  if (id == 0 || id >= in.keys.size()) return false;
  const std::string& key = in.keys[id];
  size_t split = key.find('\0');
  params->assign(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(split));
  results->assign(key.begin() + static_cast<std::ptrdiff_t>(split) + 1, key.end());
  return true;
}

}  // namespace kiln::rt
