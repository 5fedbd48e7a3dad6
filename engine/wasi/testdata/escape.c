/* Tries to leave the preopen /sandbox in several ways and prints the errno of each attempt
 * (76 = ENOTCAPABLE). The host puts "secret" next to the sandbox and a symlink "link" to it
 * inside. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static void try_open(const char* path) {
  int fd = open(path, O_RDONLY);
  printf("%s: %s %d\n", path, fd >= 0 ? "OPENED" : "errno", fd >= 0 ? fd : errno);
}

static void try_raw(const char* rel) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, rel, 0,
                                      __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  if (e == 0) close(fd);
  printf("raw %s: %d\n", rel, e);
}

int main(void) {
  try_open("/sandbox/inside.txt");
  try_open("/sandbox/../secret/data.txt");
  try_open("/sandbox/link/data.txt");
  try_open("/sandbox/abs/etc/passwd");
  try_open("/etc/passwd");
  try_raw("../secret/data.txt");
  try_raw("/etc/passwd");
  try_raw("link/data.txt");
  return 0;
}
