// The stats page: memfd_create + mmap(MAP_SHARED) on both sides.
#include "shim/runtime/stats_page.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ws::shim {
namespace {

constexpr size_t kPageBytes = 4096;
static_assert(sizeof(engine::MemoryTotals) <= kPageBytes);

absl::Status errno_error(int err, const char* what) {
  return absl::ErrnoToStatus(err, absl::StrCat("stats page: ", what));
}

}  // namespace

absl::StatusOr<StatsPage> StatsPage::create() {
  UniqueFd fd(::memfd_create("wasmshim-stats", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return errno_error(errno, "memfd_create");
  if (::ftruncate(fd.get(), kPageBytes) != 0) return errno_error(errno, "ftruncate");
  // Its size can never change, so neither side's mapping can turn into SIGBUS.
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    return errno_error(errno, "seal");
  }
  void* p = ::mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) return errno_error(errno, "mmap");
  return StatsPage(std::move(fd), new (p) engine::MemoryTotals());
}

StatsPage::StatsPage(StatsPage&& other) noexcept
    : fd_(std::move(other.fd_)), totals_(std::exchange(other.totals_, nullptr)) {}

StatsPage& StatsPage::operator=(StatsPage&& other) noexcept {
  if (this != &other) {
    if (totals_) ::munmap(totals_, kPageBytes);
    fd_ = std::move(other.fd_);
    totals_ = std::exchange(other.totals_, nullptr);
  }
  return *this;
}

StatsPage::~StatsPage() {
  if (totals_) ::munmap(totals_, kPageBytes);
}

WasmStats StatsPage::read() const {
  if (!totals_) return {};
  return WasmStats{totals_->bytes.load(std::memory_order_relaxed),
                   totals_->peak_bytes.load(std::memory_order_relaxed)};
}

absl::Status StatsPage::adopt_inherited(int fd) {
  if (::fcntl(fd, F_GETFD) < 0) return absl::OkStatus();  // not given one
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < kPageBytes) {
    ::close(fd);
    return absl::InternalError("stats page: the inherited descriptor is not a stats page");
  }
  void* p = ::mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) return errno_error(err, "mmap");
  // The shim constructed the totals; this process only keeps them there (never unmapped).
  engine::keep_memory_totals_in(static_cast<engine::MemoryTotals*>(p));
  return absl::OkStatus();
}

}  // namespace ws::shim
