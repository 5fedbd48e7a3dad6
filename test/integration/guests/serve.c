// Integration guest: answers one TCP connection on the listener the shim passed (annotation
// io.wasmshim.tcplisten; fd 4, after the root preopen), then exits.
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void) {
  __wasi_fd_t conn;
  __wasi_errno_t err = __wasi_sock_accept(4, 0, &conn);
  if (err != 0) {
    fprintf(stderr, "sock_accept on fd 4: errno %d\n", err);
    return 1;
  }
  char line[256];
  ssize_t n = read((int)conn, line, sizeof line - 1);
  if (n < 0) n = 0;
  line[n] = 0;
  line[strcspn(line, "\r\n")] = 0;
  char reply[300];
  int len = snprintf(reply, sizeof reply, "hello %s from a wasm listener\n", line);
  write((int)conn, reply, (size_t)len);
  close((int)conn);
  printf("served one connection\n");
  return 0;
}
