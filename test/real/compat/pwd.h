/* <pwd.h> for wasm32-wasi guests: wasi-libc has no user database (and clang's wasm32-wasi driver
 * would otherwise find the host's /usr/include/pwd.h). getpwuid() finds nobody, so programs fall
 * back to $HOME. Only on the include path of the real-program builds in test/real. */
#ifndef WS_WASI_COMPAT_PWD_H
#define WS_WASI_COMPAT_PWD_H

#include <stddef.h>
#include <sys/types.h>

struct passwd {
  char* pw_name;
  char* pw_passwd;
  uid_t pw_uid;
  gid_t pw_gid;
  char* pw_gecos;
  char* pw_dir;
  char* pw_shell;
};

static inline struct passwd* getpwuid(uid_t uid) {
  (void)uid;
  return NULL;
}
static inline struct passwd* getpwnam(const char* name) {
  (void)name;
  return NULL;
}

#endif
