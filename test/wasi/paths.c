/* Path operations inside the preopen "/sandbox": create and remove directories, symlinks,
 * readlink, hard links, rename, unlink, path_filestat_get/set_times; and the preopen list
 * through fd_prestat_get / fd_prestat_dir_name. */
#include "common.h"

static void list_preopens(void) {
  for (__wasi_fd_t fd = 3;; ++fd) {
    __wasi_prestat_t ps;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
    if (e != 0) {
      printf("fd_prestat_get(%u): %s\n", (unsigned)fd, errno_name(e));
      break;
    }
    char name[64] = {0};
    e = __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, ps.u.dir.pr_name_len);
    printf("preopen fd %u: tag %u, name \"%s\" (%u bytes), dir_name %s\n", (unsigned)fd,
           (unsigned)ps.tag, name, (unsigned)ps.u.dir.pr_name_len, errno_name(e));
  }
}

static void stat_path(int dir, const char* path, __wasi_lookupflags_t flags) {
  __wasi_filestat_t st;
  char label[96];
  snprintf(label, sizeof label, "path_filestat_get(%s%s)", path, flags ? ", follow" : "");
  __wasi_errno_t e = __wasi_path_filestat_get((__wasi_fd_t)dir, flags, path, &st);
  if (e != 0) {
    show(label, e);
    return;
  }
  printf("%s: filetype %u, size %llu, nlink %llu\n", label, (unsigned)st.filetype,
         st.filetype == __WASI_FILETYPE_DIRECTORY ? 0ull : (unsigned long long)st.size,
         st.filetype == __WASI_FILETYPE_DIRECTORY ? 0ull : (unsigned long long)st.nlink);
}

static void directories(int dir) {
  show("path_create_directory(d)", __wasi_path_create_directory(dir, "d"));
  show("path_create_directory(d/e)", __wasi_path_create_directory(dir, "d/e"));
  show("path_create_directory(d) again", __wasi_path_create_directory(dir, "d"));
  show("path_create_directory(nope/x)", __wasi_path_create_directory(dir, "nope/x"));
  stat_path(dir, "d", 0);
  show("path_remove_directory(d) not empty", __wasi_path_remove_directory(dir, "d"));
  show("path_remove_directory(hello.txt)", __wasi_path_remove_directory(dir, "hello.txt"));
  show("path_unlink_file(d)", __wasi_path_unlink_file(dir, "d"));
  show("path_remove_directory(d/e)", __wasi_path_remove_directory(dir, "d/e"));
}

static void links(int dir) {
  show("path_symlink(hello.txt -> ln)", __wasi_path_symlink("hello.txt", dir, "ln"));
  char buf[64] = {0};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_path_readlink(dir, "ln", (uint8_t*)buf, sizeof buf, &n);
  printf("path_readlink(ln): %s \"%.*s\" (%u bytes)\n", errno_name(e), (int)n, buf, (unsigned)n);
  show("path_readlink(hello.txt)", __wasi_path_readlink(dir, "hello.txt", (uint8_t*)buf, 64, &n));
  stat_path(dir, "ln", 0);
  stat_path(dir, "ln", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW);
  show("path_symlink(x -> ln) exists", __wasi_path_symlink("x", dir, "ln"));
  show("path_link(hello.txt -> hard)", __wasi_path_link(dir, 0, "hello.txt", dir, "hard"));
  stat_path(dir, "hello.txt", 0);
  show("path_link(hello.txt -> hard) exists", __wasi_path_link(dir, 0, "hello.txt", dir, "hard"));
  show("path_rename(hard -> d/moved)", __wasi_path_rename(dir, "hard", dir, "d/moved"));
  stat_path(dir, "hard", 0);
  stat_path(dir, "d/moved", 0);
  show("path_rename(missing -> x)", __wasi_path_rename(dir, "missing", dir, "x"));
  show("path_unlink_file(d/moved)", __wasi_path_unlink_file(dir, "d/moved"));
  show("path_unlink_file(ln)", __wasi_path_unlink_file(dir, "ln"));
  show("path_unlink_file(missing)", __wasi_path_unlink_file(dir, "missing"));
  stat_path(dir, "hello.txt", 0);
  show("path_remove_directory(d)", __wasi_path_remove_directory(dir, "d"));
}

static void times(int dir) {
  __wasi_timestamp_t t = 1500000000ull * 1000000000ull;
  show("path_filestat_set_times(hello.txt)",
       __wasi_path_filestat_set_times(dir, 0, "hello.txt", t, t + 5,
                                      __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  __wasi_filestat_t st;
  CHECK(__wasi_path_filestat_get(dir, 0, "hello.txt", &st) == 0);
  printf("atim ok: %s, mtim ok: %s\n", st.atim == t ? "yes" : "no",
         st.mtim == t + 5 ? "yes" : "no");
  show("path_filestat_set_times(MTIM|MTIM_NOW)",
       __wasi_path_filestat_set_times(dir, 0, "hello.txt", t, t,
                                      __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
  show("path_filestat_set_times(MTIM_NOW)",
       __wasi_path_filestat_set_times(dir, 0, "hello.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  CHECK(__wasi_path_filestat_get(dir, 0, "hello.txt", &st) == 0);
  printf("mtim is now recent: %s\n", st.mtim > t + 5 ? "yes" : "no");
}

int main(void) {
  list_preopens();
  int dir = preopen_fd("/sandbox");
  directories(dir);
  links(dir);
  times(dir);
  stat_path(dir, "sub", 0);
  stat_path(dir, "sub/inner.txt", 0);
  stat_path(dir, "missing", 0);
  return 0;
}
