/* Regular files through their descriptor: read, write, seek, tell, pread, pwrite, sync,
 * datasync, advise, allocate, filestat get/set size/set times, fdstat get/set flags/set rights,
 * renumber and close. Runs in the preopen "/sandbox". */
#include "common.h"

static __wasi_size_t write_str(__wasi_fd_t fd, const char* s) {
  __wasi_ciovec_t iov = {(const uint8_t*)s, strlen(s)};
  __wasi_size_t n = 0;
  CHECK(__wasi_fd_write(fd, &iov, 1, &n) == 0);
  return n;
}

static void read_all(const char* label, __wasi_fd_t fd) {
  char buf[128] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_fd_read(fd, &iov, 1, &n);
  printf("%s: %s \"%.*s\"\n", label, errno_name(e), (int)n, buf);
}

static void seek_tell(__wasi_fd_t fd) {
  __wasi_filesize_t pos = 0;
  show("fd_seek(0, SET)", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  read_all("fd_read from 0", fd);
  show("fd_tell", __wasi_fd_tell(fd, &pos));
  printf("position after read: %llu\n", (unsigned long long)pos);
  show("fd_seek(-5, END)", __wasi_fd_seek(fd, -5, __WASI_WHENCE_END, &pos));
  printf("position: %llu\n", (unsigned long long)pos);
  show("fd_seek(-2, CUR)", __wasi_fd_seek(fd, -2, __WASI_WHENCE_CUR, &pos));
  printf("position: %llu\n", (unsigned long long)pos);
  read_all("fd_read from there", fd);
  show("fd_seek(-100, SET)", __wasi_fd_seek(fd, -100, __WASI_WHENCE_SET, &pos));
  show("fd_seek(0, whence 9)", __wasi_fd_seek(fd, 0, 9, &pos));
}

static void positional(__wasi_fd_t fd) {
  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 5};
  __wasi_size_t n = 0;
  __wasi_filesize_t pos = 0;
  CHECK(__wasi_fd_seek(fd, 3, __WASI_WHENCE_SET, &pos) == 0);
  show("fd_pread(at 6)", __wasi_fd_pread(fd, &iov, 1, 6, &n));
  printf("pread: \"%.*s\"\n", (int)n, buf);
  __wasi_ciovec_t out = {(const uint8_t*)"WORLD", 5};
  show("fd_pwrite(at 6)", __wasi_fd_pwrite(fd, &out, 1, 6, &n));
  CHECK(__wasi_fd_tell(fd, &pos) == 0);
  printf("offset unchanged by pread/pwrite: %s\n", pos == 3 ? "yes" : "no");
  show("fd_sync", __wasi_fd_sync(fd));
  show("fd_datasync", __wasi_fd_datasync(fd));
  show("fd_advise(SEQUENTIAL)", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_SEQUENTIAL));
  show("fd_advise(bad advice)", __wasi_fd_advise(fd, 0, 0, 9));
}

static void filestat(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  show("fd_allocate(0, 100)", __wasi_fd_allocate(fd, 0, 100));
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0);
  printf("size after allocate: %llu, regular file: %s, nlink %llu\n", (unsigned long long)st.size,
         st.filetype == __WASI_FILETYPE_REGULAR_FILE ? "yes" : "no", (unsigned long long)st.nlink);
  show("fd_filestat_set_size(11)", __wasi_fd_filestat_set_size(fd, 11));
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0);
  printf("size: %llu\n", (unsigned long long)st.size);
  __wasi_timestamp_t atim = 1000000000ull * 1000000000ull, mtim = atim + 123456789;
  show("fd_filestat_set_times",
       __wasi_fd_filestat_set_times(fd, atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0);
  printf("atim ok: %s, mtim ok: %s\n", st.atim == atim ? "yes" : "no",
         st.mtim == mtim ? "yes" : "no");
  show("fd_filestat_set_times(ATIM|ATIM_NOW)",
       __wasi_fd_filestat_set_times(fd, atim, mtim,
                                    __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
  read_all("content", fd);
}

static void fdstat(__wasi_fd_t fd) {
  __wasi_fdstat_t st;
  show("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &st));
  printf("filetype regular: %s, append: %s, can write: %s\n",
         st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE ? "yes" : "no",
         (st.fs_flags & __WASI_FDFLAGS_APPEND) ? "yes" : "no",
         (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) ? "yes" : "no");
  show("fd_fdstat_set_flags(APPEND)", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  CHECK(__wasi_fd_fdstat_get(fd, &st) == 0 && (st.fs_flags & __WASI_FDFLAGS_APPEND));
  __wasi_filesize_t pos = 0;
  CHECK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos) == 0);
  write_str(fd, "!");
  __wasi_filestat_t fs;
  CHECK(__wasi_fd_filestat_get(fd, &fs) == 0);
  printf("append wrote at the end: size %llu\n", (unsigned long long)fs.size);
  __wasi_rights_t reduced = st.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE;
  show("fd_fdstat_set_rights(drop FD_WRITE)", __wasi_fd_fdstat_set_rights(fd, reduced, 0));
  __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
  __wasi_size_t n = 0;
  show("fd_write without FD_WRITE", __wasi_fd_write(fd, &iov, 1, &n));
  show("fd_fdstat_set_rights(add FD_WRITE back)",
       __wasi_fd_fdstat_set_rights(fd, reduced | __WASI_RIGHTS_FD_WRITE, 0));
  CHECK(__wasi_fd_fdstat_get(fd, &st) == 0);
  printf("can write now: %s\n", (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) ? "yes" : "no");
}

static void renumber(int dir, __wasi_fd_t fd) {
  __wasi_fd_t other = 0;
  CHECK(open_at(dir, "other.txt", __WASI_OFLAGS_CREAT, 0, &other) == 0);
  show("fd_renumber(file, other)", __wasi_fd_renumber(fd, other));
  read_all("other now reads the file", other);
  __wasi_fdstat_t st;
  show("fd_fdstat_get(old number)", __wasi_fd_fdstat_get(fd, &st));
  show("fd_renumber(old number, other)", __wasi_fd_renumber(fd, other));
  show("fd_close", __wasi_fd_close(other));
  show("fd_close again", __wasi_fd_close(other));
}

int main(void) {
  int dir = preopen_fd("/sandbox");
  printf("preopen /sandbox found: %s\n", dir >= 0 ? "yes" : "no");
  __wasi_fd_t fd = 0;
  show("path_open(f.txt, CREAT|TRUNC)",
       open_at(dir, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd));
  printf("fd_write: %u bytes\n", (unsigned)write_str(fd, "hello world, file\n"));
  seek_tell(fd);
  positional(fd);
  filestat(fd);
  fdstat(fd);
  renumber(dir, fd);
  __wasi_fd_t again = 0;
  show("path_open(f.txt, CREAT|EXCL)",
       open_at(dir, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &again));
  show("path_open(missing.txt)", open_at(dir, "missing.txt", 0, 0, &again));
  show("path_open(f.txt, DIRECTORY)", open_at(dir, "f.txt", __WASI_OFLAGS_DIRECTORY, 0, &again));
  return 0;
}
