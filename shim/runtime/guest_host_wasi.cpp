// The guest's host: a WasiContext defined in the linker.
#include "shim/runtime/guest_host.h"

namespace ws::shim {
namespace {

class WasiHost : public GuestHost {
 public:
  explicit WasiHost(std::unique_ptr<engine::wasi::WasiContext> ctx) : ctx_(std::move(ctx)) {}

 private:
  std::unique_ptr<engine::wasi::WasiContext> ctx_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GuestHost>> link_guest_host(const engine::wasi::WasiConfig& config,
                                                           engine::Store& store,
                                                           engine::Linker& linker) {
  auto ctx = engine::wasi::WasiContext::create(config);
  if (!ctx.ok()) return ctx.status();
  (*ctx)->define(store, linker);
  return std::make_unique<WasiHost>(std::move(*ctx));
}

}  // namespace ws::shim
