/* Edge cases of descriptors and buffers: renumbering onto a preopen, closing a preopen,
 * truncated readlink and prestat names, zero-length and oversized iovec lists, seeking
 * directories and pipes. */
#include "common.h"

static void readlink_small(int dir) {
  CHECK(__wasi_path_symlink("a_rather_long_target_name", dir, "long_link") == 0);
  char buf[8] = {0};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_path_readlink(dir, "long_link", (uint8_t*)buf, 4, &n);
  printf("path_readlink into 4 bytes: %s, %u bytes \"%.*s\"\n", errno_name(e), (unsigned)n, (int)n,
         buf);
  char name[4];
  show("fd_prestat_dir_name into 4 bytes", __wasi_fd_prestat_dir_name(dir, (uint8_t*)name, 4));
}

static void iovecs(void) {
  __wasi_size_t n = 99;
  show("fd_write with 0 iovecs", __wasi_fd_write(1, NULL, 0, &n));
  printf("bytes: %u\n", (unsigned)n);
  static __wasi_ciovec_t many[1025];
  for (int i = 0; i < 1025; ++i) {
    many[i].buf = (const uint8_t*)"";
    many[i].buf_len = 0;
  }
  show("fd_write with 1025 iovecs", __wasi_fd_write(1, many, 1025, &n));
  show("fd_write with 1024 iovecs", __wasi_fd_write(1, many, 1024, &n));
}

static void seeks(int dir) {
  __wasi_filesize_t pos = 0;
  show("fd_seek on a directory", __wasi_fd_seek(dir, 0, __WASI_WHENCE_CUR, &pos));
  char b[4];
  __wasi_iovec_t iov = {(uint8_t*)b, sizeof b};
  __wasi_size_t n = 0;
  show("fd_read on a directory", __wasi_fd_read(dir, &iov, 1, &n));
}

static void renumbering(int dir) {
  __wasi_fd_t f = 0;
  CHECK(open_at(dir, "hello.txt", 0, 0, &f) == 0);
  show("fd_renumber(f, f)", __wasi_fd_renumber(f, f));
  __wasi_fd_t g = 0;
  CHECK(open_at(dir, "sub/inner.txt", 0, 0, &g) == 0);
  show("fd_renumber(file, preopen 4)", __wasi_fd_renumber(g, 4));
  __wasi_prestat_t ps;
  show("fd_prestat_get(4) afterwards", __wasi_fd_prestat_get(4, &ps));
  char b[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)b, sizeof b - 1};
  __wasi_size_t n = 0;
  show("fd_read(4)", __wasi_fd_read(4, &iov, 1, &n));
  printf("read \"%.*s\"\n", (int)n, b);
  show("fd_close(preopen 3)", __wasi_fd_close(3));
  show("path_open through closed 3", open_at(3, "hello.txt", 0, 0, &g));
  show("fd_close(f)", __wasi_fd_close(f));
}

int main(void) {
  int dir = preopen_fd("/sandbox");
  readlink_small(dir);
  iovecs();
  seeks(dir);
  renumbering(dir);
  return 0;
}
