// ContainerCgroup: the spec's cgroup path and resources applied, the OOM watch, removal.
#include "shim/runtime/container_cgroup.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cgroups/path.h"
#include "support/log.h"

namespace ws::shim {
namespace {

void log_notes(const std::string& id, const std::vector<std::string>& notes) {
  if (notes.empty()) return;
  support::log_warning(
      absl::StrCat("container ", id, ": not applied: ", absl::StrJoin(notes, ", ")));
}

}  // namespace

absl::StatusOr<std::shared_ptr<ContainerCgroup>> ContainerCgroup::create(const oci::Spec& spec,
                                                                         const std::string& ns,
                                                                         const std::string& id) {
  absl::StatusOr<cgroups::Resources> resources =
      cgroups::parse_resources(spec.linux.resources_json);
  if (!resources.ok()) return resources.status();
  absl::StatusOr<std::string> path = cgroups::resolve_path(spec.linux.cgroups_path, ns, id);
  if (!path.ok()) return path.status();
  absl::StatusOr<std::unique_ptr<cgroups::Cgroup>> cg = cgroups::Cgroup::create(*path);
  if (!cg.ok()) {
    return absl::Status(cg.status().code(),
                        absl::StrCat("container ", id, ": ", cg.status().message()));
  }
  std::shared_ptr<ContainerCgroup> out(new ContainerCgroup(std::move(*cg)));
  std::vector<std::string> notes = resources->ignored;
  if (absl::Status s = out->cg_->apply(*resources, &notes); !s.ok()) {
    out->remove().IgnoreError();
    return absl::Status(s.code(), absl::StrCat("container ", id, ": ", s.message()));
  }
  log_notes(id, notes);
  absl::StatusOr<int> watch = out->cg_->oom_fd();
  if (watch.ok()) {
    out->oom_watch_.reset(*watch);
  } else {
    support::log_warning(
        absl::StrCat("container ", id, ": no OOM watch: ", watch.status().message()));
  }
  return out;
}

absl::Status ContainerCgroup::cleanup(const oci::Spec& spec, const std::string& ns,
                                      const std::string& id) {
  absl::StatusOr<std::string> path = cgroups::resolve_path(spec.linux.cgroups_path, ns, id);
  if (!path.ok()) return path.status();
  absl::StatusOr<std::unique_ptr<cgroups::Cgroup>> cg = cgroups::Cgroup::open(*path);
  if (absl::IsNotFound(cg.status())) return absl::OkStatus();
  if (!cg.ok()) return cg.status();
  return (*cg)->remove();
}

absl::Status ContainerCgroup::join(pid_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  return cg_->add_process(pid);
}

std::vector<std::string> ContainerCgroup::self_join_files() {
  std::lock_guard<std::mutex> lock(mu_);
  return cg_->self_join_files();
}

bool ContainerCgroup::oom_killed() {
  std::lock_guard<std::mutex> lock(mu_);
  if (removed_) return false;
  absl::StatusOr<uint64_t> kills = cg_->oom_kills();
  if (kills.ok() && *kills > 0) return true;
  if (!oom_watch_.valid()) return false;
  char buf[4096];
  return ::read(oom_watch_.get(), buf, sizeof buf) > 0 && !kills.ok();
}

absl::Status ContainerCgroup::freeze() {
  std::lock_guard<std::mutex> lock(mu_);
  return cg_->freeze();
}

absl::Status ContainerCgroup::thaw() {
  std::lock_guard<std::mutex> lock(mu_);
  return cg_->thaw();
}

absl::Status ContainerCgroup::update(const std::string& resources_json) {
  absl::StatusOr<cgroups::Resources> r = cgroups::parse_resources(resources_json);
  if (!r.ok()) return r.status();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> notes = r->ignored;
  if (absl::Status s = cg_->apply(*r, &notes); !s.ok()) return s;
  log_notes(cg_->path(), notes);
  return absl::OkStatus();
}

absl::StatusOr<cgroups::Stats> ContainerCgroup::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return cg_->stats();
}

absl::Status ContainerCgroup::remove() {
  std::lock_guard<std::mutex> lock(mu_);
  if (removed_) return absl::OkStatus();
  oom_watch_.reset();
  absl::Status s = cg_->remove();
  if (s.ok()) removed_ = true;
  return s;
}

}  // namespace ws::shim
