// The rootfs mounts containerd hands to Create (overlay, bind), mounted onto the bundle's rootfs
// in the shim's mount namespace and undone in reverse order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shim/task/runtime.h"

namespace ws::shim {

class RootfsMounts {
 public:
  // Mounts each of `mounts` onto `rootfs`/target in order; on failure the ones made are undone.
  // An empty list means the rootfs is already in place (Docker's classic store).
  static absl::StatusOr<std::unique_ptr<RootfsMounts>> mount(const std::vector<RootfsMount>& mounts,
                                                             const std::string& rootfs);
  ~RootfsMounts();

  // Unmounts (lazily, MNT_DETACH) what mount() made, last first; idempotent.
  absl::Status unmount();

 private:
  RootfsMounts() = default;
  std::vector<std::string> targets_;
};

}  // namespace ws::shim
