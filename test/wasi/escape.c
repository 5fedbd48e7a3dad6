/* Hostile guest: tries to leave the preopen "/sandbox" (and to write through the read-only
 * "/ro") in every way we could think of. The test prepares, beside the sandbox, a directory
 * "outside" with secret.txt and, inside it, symlinks that lead out (see wasi_cases.cpp). Every
 * escape must fail with ENOTCAPABLE (ELOOP for a loop, EINVAL for a NUL byte in a path); the
 * controls that stay inside must succeed. */
#include "common.h"

/* The raw import, to pass a path whose length covers a NUL byte. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
              int64_t base, int64_t inheriting, int32_t fdflags, int32_t retptr);

static int sandbox, ro;

static void try_open(const char* path, __wasi_oflags_t oflags) {
  __wasi_fd_t fd = 0;
  __wasi_errno_t e = open_at(sandbox, path, oflags, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd);
  char label[160];
  snprintf(label, sizeof label, "open %s", path);
  show(label, e);
  if (e == 0) CHECK(__wasi_fd_close(fd) == 0);
}

static void opens(void) {
  try_open(".", __WASI_OFLAGS_DIRECTORY);
  try_open("sub/..", __WASI_OFLAGS_DIRECTORY);
  try_open("sub/../hello.txt", 0);
  try_open("inside_link", 0);
  try_open("..", __WASI_OFLAGS_DIRECTORY);
  try_open("../outside/secret.txt", 0);
  try_open("sub/../../outside/secret.txt", 0);
  try_open("sub/../sub/../../sandbox/hello.txt", 0);
  try_open("./../outside", __WASI_OFLAGS_DIRECTORY);
  try_open("/etc/passwd", 0);
  try_open("/", __WASI_OFLAGS_DIRECTORY);
  try_open("/proc/self/root/etc/passwd", 0);
  try_open("//etc/passwd", 0);
  try_open("escape_abs", __WASI_OFLAGS_DIRECTORY);
  try_open("escape_abs/etc/passwd", 0);
  try_open("escape_etc", 0);
  try_open("escape_rel/secret.txt", 0);
  try_open("escape_file", 0);
  try_open("chain1", 0);
  try_open("proc_root/etc/passwd", 0);
  try_open("proc_fd/0", 0);
  try_open("loop", 0);
  try_open("hello.txt/..", 0);
  try_open("escape_file", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC);
  /* Through the writable preopen into the read-only one: still leaving /sandbox. */
  try_open("to_readonly", __WASI_OFLAGS_TRUNC);
}

static void nul_bytes(void) {
  static const char path[] = "hello.txt\0../../outside/secret.txt";
  __wasi_fdstat_t st;
  CHECK(__wasi_fd_fdstat_get(sandbox, &st) == 0);
  __wasi_fd_t fd = 0;
  int32_t e = raw_path_open(sandbox, 0, (int32_t)(uintptr_t)path, (int32_t)(sizeof path - 1), 0,
                            (int64_t)st.fs_rights_inheriting, (int64_t)st.fs_rights_inheriting, 0,
                            (int32_t)(uintptr_t)&fd);
  show("open \"hello.txt\\0../../outside/secret.txt\"", (__wasi_errno_t)e);
}

static void stats_and_links(void) {
  __wasi_filestat_t st;
  show("stat escape_rel/secret.txt",
       __wasi_path_filestat_get(sandbox, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape_rel/secret.txt",
                                &st));
  show("stat escape_abs (follow)",
       __wasi_path_filestat_get(sandbox, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape_abs", &st));
  show("stat escape_abs (no follow)", __wasi_path_filestat_get(sandbox, 0, "escape_abs", &st));
  char buf[64];
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_path_readlink(sandbox, "escape_abs", (uint8_t*)buf, sizeof buf, &n);
  printf("readlink escape_abs: %s \"%.*s\"\n", errno_name(e), (int)n, buf);
  show("set times ../outside/secret.txt",
       __wasi_path_filestat_set_times(sandbox, 0, "../outside/secret.txt", 0, 0,
                                      __WASI_FSTFLAGS_MTIM_NOW));
  show("set times escape_file (follow)",
       __wasi_path_filestat_set_times(sandbox, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape_file", 0,
                                      0, __WASI_FSTFLAGS_MTIM_NOW));
}

static void mutations(void) {
  show("mkdir ../outside/newdir", __wasi_path_create_directory(sandbox, "../outside/newdir"));
  show("mkdir escape_rel/newdir", __wasi_path_create_directory(sandbox, "escape_rel/newdir"));
  show("unlink ../outside/secret.txt", __wasi_path_unlink_file(sandbox, "../outside/secret.txt"));
  show("unlink escape_rel/secret.txt", __wasi_path_unlink_file(sandbox, "escape_rel/secret.txt"));
  show("rmdir ../outside", __wasi_path_remove_directory(sandbox, "../outside"));
  show("rename hello.txt -> ../outside/stolen",
       __wasi_path_rename(sandbox, "hello.txt", sandbox, "../outside/stolen"));
  show("rename hello.txt -> escape_rel/stolen",
       __wasi_path_rename(sandbox, "hello.txt", sandbox, "escape_rel/stolen"));
  show("rename ../outside/secret.txt -> stolen",
       __wasi_path_rename(sandbox, "../outside/secret.txt", sandbox, "stolen"));
  show("rename sub -> ../sub", __wasi_path_rename(sandbox, "sub", sandbox, "../sub"));
  show("link hello.txt -> ../outside/hard",
       __wasi_path_link(sandbox, 0, "hello.txt", sandbox, "../outside/hard"));
  show("link ../outside/secret.txt -> hard",
       __wasi_path_link(sandbox, 0, "../outside/secret.txt", sandbox, "hard"));
  show(
      "link escape_file (follow) -> hard",
      __wasi_path_link(sandbox, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape_file", sandbox, "hard"));
  show("symlink x -> ../outside/newlink", __wasi_path_symlink("x", sandbox, "../outside/newlink"));
  /* engine/wasi refuses absolute targets and stores relative ones; following either fails. */
  show("symlink /etc/passwd -> new_abs", __wasi_path_symlink("/etc/passwd", sandbox, "new_abs"));
  try_open("new_abs", 0);
  show("symlink ../outside -> new_rel", __wasi_path_symlink("../outside", sandbox, "new_rel"));
  try_open("new_rel/secret.txt", 0);
}

/* Pointers outside linear memory are EFAULT, never a trap or a host crash, and nothing happens. */
static void bad_pointers(void) {
  const int32_t far = (int32_t)0xFFFFFF00u;
  __wasi_fdstat_t st;
  CHECK(__wasi_fd_fdstat_get(sandbox, &st) == 0);
  __wasi_fd_t fd = 0;
  int32_t e = raw_path_open(sandbox, 0, far, 100, 0, (int64_t)st.fs_rights_inheriting,
                            (int64_t)st.fs_rights_inheriting, 0, (int32_t)(uintptr_t)&fd);
  show("path_open with the path outside memory", (__wasi_errno_t)e);
  static const char name[] = "created_by_bad_call.txt";
  e = raw_path_open(sandbox, 0, (int32_t)(uintptr_t)name, (int32_t)(sizeof name - 1),
                    __WASI_OFLAGS_CREAT, (int64_t)st.fs_rights_inheriting,
                    (int64_t)st.fs_rights_inheriting, 0, far);
  show("path_open(CREAT) with the result outside memory", (__wasi_errno_t)e);
  __wasi_filestat_t fs;
  show("stat of that file", __wasi_path_filestat_get(sandbox, 0, name, &fs));
  __wasi_size_t n = 0;
  show("fd_write with the iovecs outside memory",
       __wasi_fd_write(1, (const __wasi_ciovec_t*)(uintptr_t)0xFFFFFFF0u, 1, &n));
  __wasi_ciovec_t out = {(const uint8_t*)(uintptr_t)0xFFFFFF00u, 512};
  show("fd_write of bytes outside memory", __wasi_fd_write(1, &out, 1, &n));
  __wasi_iovec_t in = {(uint8_t*)(uintptr_t)0xFFFFFF00u, 512};
  __wasi_fd_t file = 0;
  CHECK(open_at(sandbox, "hello.txt", 0, 0, &file) == 0);
  show("fd_read into bytes outside memory", __wasi_fd_read(file, &in, 1, &n));
  show("args_sizes_get with results outside memory",
       __wasi_args_sizes_get((__wasi_size_t*)(uintptr_t)0xFFFFFFF0u, &n));
  CHECK(__wasi_fd_close(file) == 0);
}

static void subdir_and_fds(void) {
  __wasi_fd_t sub = 0;
  CHECK(open_at(sandbox, "sub", __WASI_OFLAGS_DIRECTORY, 0, &sub) == 0);
  __wasi_fd_t fd = 0;
  show("open ../hello.txt from an fd of sub", open_at(sub, "../hello.txt", 0, 0, &fd));
  show("open inner.txt from an fd of sub", open_at(sub, "inner.txt", 0, 0, &fd));
  /* stdout lacks PATH_OPEN (ENOTCAPABLE); a file opened with it is not a directory. */
  show("open through stdout as a directory", open_at(1, "x", 0, 0, &fd));
  __wasi_fd_t file = 0;
  CHECK(open_at(sandbox, "hello.txt", 0, 0, &file) == 0);
  show("open through a file fd as a directory", open_at(file, "x", 0, 0, &fd));
}

static void read_only(void) {
  __wasi_fd_t fd = 0;
  show("ro: open ro.txt for reading", open_at(ro, "ro.txt", 0, 0, &fd));
  __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
  __wasi_size_t n = 0;
  show("ro: fd_write", __wasi_fd_write(fd, &iov, 1, &n));
  show("ro: fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 0));
  __wasi_fd_t w = 0;
  __wasi_errno_t e = __wasi_path_open(ro, 0, "ro.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &w);
  show("ro: open ro.txt for writing", e);
  show("ro: create new.txt", open_at(ro, "new.txt", __WASI_OFLAGS_CREAT, 0, &w));
  show("ro: open ro.txt with TRUNC", open_at(ro, "ro.txt", __WASI_OFLAGS_TRUNC, 0, &w));
  show("ro: mkdir", __wasi_path_create_directory(ro, "newdir"));
  show("ro: unlink ro.txt", __wasi_path_unlink_file(ro, "ro.txt"));
  show("ro: rename ro.txt -> /sandbox/taken", __wasi_path_rename(ro, "ro.txt", sandbox, "taken"));
  show("ro: rename /sandbox/hello.txt -> placed",
       __wasi_path_rename(sandbox, "hello.txt", ro, "placed"));
  show("ro: link /sandbox/hello.txt -> placed",
       __wasi_path_link(sandbox, 0, "hello.txt", ro, "placed"));
  show("ro: symlink", __wasi_path_symlink("ro.txt", ro, "ln"));
  show("ro: set times",
       __wasi_path_filestat_set_times(ro, 0, "ro.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
}

int main(void) {
  sandbox = preopen_fd("/sandbox");
  ro = preopen_fd("/ro");
  printf("preopens found: %s\n", sandbox >= 0 && ro >= 0 ? "yes" : "no");
  opens();
  nul_bytes();
  stats_and_links();
  mutations();
  bad_pointers();
  subdir_and_fds();
  read_only();
  return 0;
}
