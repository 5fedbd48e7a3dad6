/* Force-included (-include) when compiling SQLite 3.40's amalgamation for wasm32-wasi.
 *
 * SQLite 3.40's unix VFS predates its WASI support (3.41): it names POSIX record locks and the
 * ownership/permission calls, which wasi-libc does not declare. The build selects the
 * "unix-none" VFS (no locking at all), so the lock constants below only have to compile; the
 * stubs make the VFS's syscall table (and the shell's fileio extension) link. geteuid() and
 * getuid() report a non-root user so that SQLite never tries to chown a journal; chmod(),
 * fchmod() and fchown() succeed without doing anything (WASI preview1 has no permissions or
 * owners). */
#ifndef WS_SQLITE_WASI_COMPAT_H
#define WS_SQLITE_WASI_COMPAT_H

#include <fcntl.h>
#include <sys/types.h>

#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif
#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif

static inline int ws_wasi_fchmod(int fd, mode_t mode) {
  (void)fd;
  (void)mode;
  return 0;
}
static inline int ws_wasi_fchown(int fd, uid_t uid, gid_t gid) {
  (void)fd;
  (void)uid;
  (void)gid;
  return 0;
}
static inline int ws_wasi_chmod(const char* path, mode_t mode) {
  (void)path;
  (void)mode;
  return 0;
}
static inline uid_t ws_wasi_geteuid(void) { return 1000; }
static inline uid_t ws_wasi_getuid(void) { return 1000; }

#define fchmod ws_wasi_fchmod
#define fchown ws_wasi_fchown
#define chmod ws_wasi_chmod
#define geteuid ws_wasi_geteuid
#define getuid ws_wasi_getuid

#endif
