// The host errno -> WASI errno table.
#include "engine/wasi/errno_map.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace ws::engine::wasi {
namespace {

TEST(ErrnoMap, MapsLinuxValuesToWasiNumbers) {
  EXPECT_EQ(errno_from_host(0), Errno::kSuccess);
  EXPECT_EQ(static_cast<int>(errno_from_host(ENOENT)), 44);
  EXPECT_EQ(static_cast<int>(errno_from_host(EACCES)), 2);
  EXPECT_EQ(static_cast<int>(errno_from_host(EBADF)), 8);
  EXPECT_EQ(static_cast<int>(errno_from_host(EEXIST)), 20);
  EXPECT_EQ(static_cast<int>(errno_from_host(EINTR)), 27);
  EXPECT_EQ(static_cast<int>(errno_from_host(EINVAL)), 28);
  EXPECT_EQ(static_cast<int>(errno_from_host(ELOOP)), 32);
  EXPECT_EQ(static_cast<int>(errno_from_host(ENOTDIR)), 54);
  EXPECT_EQ(static_cast<int>(errno_from_host(ENOTEMPTY)), 55);
  EXPECT_EQ(static_cast<int>(errno_from_host(EPIPE)), 64);
  EXPECT_EQ(static_cast<int>(errno_from_host(EROFS)), 69);
  EXPECT_EQ(static_cast<int>(errno_from_host(ESPIPE)), 70);
  EXPECT_EQ(static_cast<int>(errno_from_host(EXDEV)), 75);
  EXPECT_EQ(static_cast<int>(Errno::kNotcapable), 76);
}

TEST(ErrnoMap, AliasesAndUnknownValues) {
  EXPECT_EQ(errno_from_host(EWOULDBLOCK), Errno::kAgain);
  EXPECT_EQ(errno_from_host(EOPNOTSUPP), Errno::kNotsup);
  EXPECT_EQ(errno_from_host(ESHUTDOWN), Errno::kPipe);
  EXPECT_EQ(errno_from_host(-1), Errno::kIo);
  EXPECT_EQ(errno_from_host(4095), Errno::kIo);
  EXPECT_EQ(errno_from_host(EHWPOISON), Errno::kIo);  // not listed
}

// Every Linux errno the table lists maps to a distinct WASI value except the documented
// folds, so no entry was pasted twice by mistake.
TEST(ErrnoMap, ListedErrnosAreDistinct) {
  int seen[128] = {};
  int folds = 0;
  for (int e = 1; e < 134; ++e) {
    Errno w = errno_from_host(e);
    if (w == Errno::kIo && e != EIO) continue;
    if (seen[static_cast<int>(w)]++ > 0) ++folds;
  }
  EXPECT_EQ(folds, 4);  // ENOTBLK, ESHUTDOWN, ENOKEY, ENOMEDIUM
}

}  // namespace
}  // namespace ws::engine::wasi
