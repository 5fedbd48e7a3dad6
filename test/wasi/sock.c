/* sock_accept, sock_recv, sock_send, sock_shutdown on the listener wasmrun --tcplisten passes:
 * fd 3 with no preopens, or the number given as argv[1] (sockets come after the preopens). The
 * test's host-side client sends "ping\n" and expects "pong: ping\n". */
#include <stdlib.h>

#include "common.h"

int main(int argc, char** argv) {
  __wasi_fd_t listener = argc > 1 ? (__wasi_fd_t)atoi(argv[1]) : 3;
  __wasi_prestat_t ps;
  show("fd_prestat_get on the listener", __wasi_fd_prestat_get(listener, &ps));
  __wasi_fdstat_t st;
  CHECK(__wasi_fd_fdstat_get(listener, &st) == 0);
  printf("listener filetype: %u\n", (unsigned)st.fs_filetype);
  __wasi_fd_t conn = 0;
  show("sock_accept(stdout)", __wasi_sock_accept(1, 0, &conn));
  show("sock_accept(listener)", __wasi_sock_accept(listener, 0, &conn));
  CHECK(__wasi_fd_fdstat_get(conn, &st) == 0);
  printf("connection filetype: %u\n", (unsigned)st.fs_filetype);

  char buf[64];
  size_t got = 0;
  while (got < 5) {
    __wasi_iovec_t iov = {(uint8_t*)buf + got, sizeof buf - got};
    __wasi_size_t n = 0;
    __wasi_roflags_t flags = 0;
    if (__wasi_sock_recv(conn, &iov, 1, 0, &n, &flags) != 0 || n == 0) break;
    got += n;
  }
  printf("sock_recv: \"%.*s\"\n", (int)got, buf);
  const char* parts[] = {"pong: ", buf};
  __wasi_ciovec_t out[2] = {{(const uint8_t*)parts[0], 6}, {(const uint8_t*)buf, got}};
  __wasi_size_t sent = 0;
  show("sock_send", __wasi_sock_send(conn, out, 2, 0, &sent));
  printf("sent %u bytes\n", (unsigned)sent);
  (void)parts;
  show("sock_shutdown(WR)", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR));
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_size_t n = 0;
  __wasi_roflags_t flags = 0;
  show("sock_recv after the client closed", __wasi_sock_recv(conn, &iov, 1, 0, &n, &flags));
  printf("bytes: %u\n", (unsigned)n);
  show("sock_shutdown(file)", __wasi_sock_shutdown(1, __WASI_SDFLAGS_RD));
  show("fd_close(connection)", __wasi_fd_close(conn));
  return 0;
}
