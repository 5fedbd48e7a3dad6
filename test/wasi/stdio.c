/* fd_write with several iovecs to stdout and stderr, fd_read from stdin until EOF, the stdio
 * descriptors' fdstat, and operations stdio refuses. */
#include "common.h"

int main(void) {
  const char* parts[] = {"gathered ", "from ", "three iovecs\n"};
  __wasi_ciovec_t iov[3];
  size_t total = 0;
  for (int i = 0; i < 3; ++i) {
    iov[i].buf = (const uint8_t*)parts[i];
    iov[i].buf_len = strlen(parts[i]);
    total += iov[i].buf_len;
  }
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_fd_write(1, iov, 3, &n);
  printf("fd_write(1): %s, %u of %u bytes\n", errno_name(e), (unsigned)n, (unsigned)total);
  __wasi_ciovec_t err = {(const uint8_t*)"to stderr\n", 10};
  e = __wasi_fd_write(2, &err, 1, &n);
  printf("fd_write(2): %s, %u bytes\n", errno_name(e), (unsigned)n);

  char buf[256];
  size_t got = 0;
  for (;;) {
    __wasi_iovec_t in[2] = {{(uint8_t*)buf + got, 4}, {(uint8_t*)buf + got + 4, 4}};
    e = __wasi_fd_read(0, in, 2, &n);
    if (e != 0 || n == 0 || got + n + 8 >= sizeof buf) break;
    got += n;
  }
  buf[got] = 0;
  printf("fd_read(0): %s, %u bytes: %s", errno_name(e), (unsigned)got, buf);

  for (__wasi_fd_t fd = 0; fd < 3; ++fd) {
    __wasi_fdstat_t st;
    char label[32];
    snprintf(label, sizeof label, "fd_fdstat_get(%u)", (unsigned)fd);
    if (show(label, __wasi_fd_fdstat_get(fd, &st)) == 0) {
      CHECK(st.fs_filetype != __WASI_FILETYPE_DIRECTORY);
    }
  }
  __wasi_prestat_t ps;
  show("fd_prestat_get(1)", __wasi_fd_prestat_get(1, &ps));
  show("fd_write(99)", __wasi_fd_write(99, iov, 1, &n));
  __wasi_fdstat_t st;
  show("fd_fdstat_get(99)", __wasi_fd_fdstat_get(99, &st));
  return 0;
}
