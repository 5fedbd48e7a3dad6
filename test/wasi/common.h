/* Helpers shared by the WASI guest tests: errno names and one-line checks on stdout. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* wasi-libc's headers lack proc_raise; declare the import by hand. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint16_t
ws_proc_raise(uint8_t sig);

static inline const char* errno_name(__wasi_errno_t e) {
  static const char* const names[] = {
      "ESUCCESS",     "E2BIG",           "EACCES",       "EADDRINUSE",   "EADDRNOTAVAIL",
      "EAFNOSUPPORT", "EAGAIN",          "EALREADY",     "EBADF",        "EBADMSG",
      "EBUSY",        "ECANCELED",       "ECHILD",       "ECONNABORTED", "ECONNREFUSED",
      "ECONNRESET",   "EDEADLK",         "EDESTADDRREQ", "EDOM",         "EDQUOT",
      "EEXIST",       "EFAULT",          "EFBIG",        "EHOSTUNREACH", "EIDRM",
      "EILSEQ",       "EINPROGRESS",     "EINTR",        "EINVAL",       "EIO",
      "EISCONN",      "EISDIR",          "ELOOP",        "EMFILE",       "EMLINK",
      "EMSGSIZE",     "EMULTIHOP",       "ENAMETOOLONG", "ENETDOWN",     "ENETRESET",
      "ENETUNREACH",  "ENFILE",          "ENOBUFS",      "ENODEV",       "ENOENT",
      "ENOEXEC",      "ENOLCK",          "ENOLINK",      "ENOMEM",       "ENOMSG",
      "ENOPROTOOPT",  "ENOSPC",          "ENOSYS",       "ENOTCONN",     "ENOTDIR",
      "ENOTEMPTY",    "ENOTRECOVERABLE", "ENOTSOCK",     "ENOTSUP",      "ENOTTY",
      "ENXIO",        "EOVERFLOW",       "EOWNERDEAD",   "EPERM",        "EPIPE",
      "EPROTO",       "EPROTONOSUPPORT", "EPROTOTYPE",   "ERANGE",       "EROFS",
      "ESPIPE",       "ESRCH",           "ESTALE",       "ETIMEDOUT",    "ETXTBSY",
      "EXDEV",        "ENOTCAPABLE"};
  if (e < sizeof names / sizeof names[0]) return names[e];
  return "E?";
}

/* Prints "label: ERRNO" and returns the errno. */
static inline __wasi_errno_t show(const char* label, __wasi_errno_t e) {
  printf("%s: %s\n", label, errno_name(e));
  return e;
}

/* The descriptor of the preopened directory named `name`, or -1. */
static inline int preopen_fd(const char* name) {
  for (__wasi_fd_t fd = 3;; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) return -1;
    char buf[256];
    size_t len = ps.u.dir.pr_name_len;
    if (len >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, len) != 0) continue;
    buf[len] = 0;
    if (strcmp(buf, name) == 0) return (int)fd;
  }
}

/* path_open with the rights wasi-libc's open() asks for: read and write for files, read-only for
 * directories (O_DIRECTORY), within what the directory passes on. Returns the errno and stores
 * the descriptor. */
static inline __wasi_errno_t open_at(int dir, const char* path, __wasi_oflags_t oflags,
                                     __wasi_lookupflags_t lookup, __wasi_fd_t* fd) {
  __wasi_fdstat_t st;
  __wasi_errno_t e = __wasi_fd_fdstat_get((__wasi_fd_t)dir, &st);
  if (e != 0) return e;
  __wasi_rights_t rights = st.fs_rights_inheriting;
  if (oflags & __WASI_OFLAGS_DIRECTORY) {
    rights &= ~(__WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE |
                __WASI_RIGHTS_FD_FILESTAT_SET_SIZE);
  }
  return __wasi_path_open((__wasi_fd_t)dir, lookup, path, oflags, rights, st.fs_rights_inheriting,
                          0, fd);
}

#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) printf("FAILED: %s (line %d)\n", #cond, __LINE__); \
  } while (0)
