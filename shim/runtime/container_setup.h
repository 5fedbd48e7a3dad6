// Inside an instance process, before any guest code: the namespaces and the mounts that make the
// container, as runc would set them up (minus pivot_root: the guest only sees the root through
// its in-root WASI preopen).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "oci/spec.h"
#include "oci/wasi_plan.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

// The rootfs directory of a bundle: spec root.path, relative to the bundle unless absolute.
std::string rootfs_path(const std::string& bundle, const oci::Spec& spec);

struct ContainerRoot {
  std::string path;  // the rootfs, with the spec's mounts on it in this mount namespace
  UniqueFd fd;       // O_PATH descriptor of it
};

// A failed mount of mounts[index] as Create reports it: INVALID_ARGUMENT when the config asks what
// cannot be done (missing source, not a directory, refused options), PERMISSION_DENIED for
// EACCES/EPERM, INTERNAL for host faults (EBUSY, ENOMEM, EMFILE...); the message names mounts[i].
absl::Status mount_error(const absl::Status& s, size_t index);

// Joins (a `path` given: setns) or creates (no path: unshare) the network, IPC and UTS
// namespaces linux.namespaces lists, brings up `lo` in a new network namespace and sets
// spec.hostname in a new UTS namespace. A path must be a namespace file of that type (looked at
// without opening it first: a FIFO or a device is refused, never opened); its faults are
// INVALID_ARGUMENT naming `linux.namespaces[i]`. A `user` entry is UNIMPLEMENTED (host ids would
// be a silent downgrade); pid, cgroup and time are ignored (nothing a WASI guest sees), mount is
// the caller's.
absl::Status enter_namespaces(const oci::Spec& spec);

// process.oomScoreAdj, when set, onto /proc/self/oom_score_adj (as runc does, while still
// privileged); a refusal names the field.
absl::Status apply_oom_score_adj(const oci::Process& process);

// An init process: joins or creates the network/IPC/UTS namespaces the spec names, makes a
// private (rslave) mount namespace, binds the rootfs onto itself, applies `mounts` (the spec's,
// planned by oci::plan_mounts) inside it (targets resolved in the root), and makes it read-only
// when root.readonly.
absl::StatusOr<ContainerRoot> setup_init_container(const std::string& bundle, const oci::Spec& spec,
                                                   const std::vector<oci::PlannedMount>& mounts);

// The process's rlimits, then its user: setgroups([]), setgid, setuid (after every privileged
// step; the module is then read, and the guest's files opened, with the user's rights).
// INVALID_ARGUMENT for an unknown rlimit type.
absl::Status apply_process_identity(const oci::Process& process);

// An exec: joins the network, IPC, UTS and mount namespaces of `init_pid`.
absl::StatusOr<ContainerRoot> join_container(const std::string& bundle, const oci::Spec& spec,
                                             uint32_t init_pid);

}  // namespace ws::shim
