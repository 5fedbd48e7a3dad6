/* The capability demo of Docker+Wasm (the PHP index.php run under WasmEdge), in C for
 * wasm32-wasi: what a guest can see is exactly what its host granted. Prints the platform, the
 * environment variable names, a dated greeting and the contents of '/'. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

extern char** environ;

static int by_name(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list_environment(void) {
  size_t n = 0;
  for (char** e = environ; e && *e; ++e) ++n;
  printf("Environment variables: %zu\n", n);
  for (size_t i = 0; i < n; ++i) {
    const char* eq = strchr(environ[i], '=');
    int len = eq ? (int)(eq - environ[i]) : (int)strlen(environ[i]);
    printf("  %.*s\n", len, environ[i]);
  }
}

static void greet(void) {
  static const char* const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  printf("Today is %s, %04d-%02d-%02d, at %02d:%02d:%02d UTC: we greet you with this message!\n",
         days[tm.tm_wday], tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
         tm.tm_sec);
}

/* Prints the sorted entries of `path` (without . and ..) indented by `indent`; -1 on error. */
static int list_dir(const char* path, int indent) {
  DIR* d = opendir(path);
  if (!d) return -1;
  char* names[256];
  size_t n = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL && n < 256;) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], by_name);
  for (size_t i = 0; i < n; ++i) {
    printf("%*s%s\n", indent, "", names[i]);
    free(names[i]);
  }
  return 0;
}

/* '/' itself is not granted when only subdirectories are: the guest's root then holds exactly
 * its preopened directories, which is what we list (with their contents). */
static int list_granted_roots(void) {
  int found = 0;
  for (__wasi_fd_t fd = 3;; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char name[256];
    size_t len = ps.u.dir.pr_name_len;
    if (len >= sizeof name || __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, len) != 0) continue;
    name[len] = 0;
    if (name[0] != '/' || name[1] == 0) continue;
    printf("  %s/\n", name + 1);
    list_dir(name, 4);
    found = 1;
  }
  return found;
}

static void list_root(void) {
  printf("Contents of '/':\n");
  if (list_dir("/", 2) == 0) return;
  int err = errno;
  if (err == ENOTCAPABLE && list_granted_roots()) return;
  if (err == ENOTCAPABLE) {
    printf("  Capabilities insufficient\n");
  } else {
    printf("  cannot list: %s\n", strerror(err));
  }
}

int main(void) {
#if defined(__wasm32__) && defined(__wasi__)
  const char* platform = "wasm32-wasi";
#else
  const char* platform = "native";
#endif
  printf("Hello from C compiled to WebAssembly! This is the %s platform.\n", platform);
  list_environment();
  greet();
  list_root();
  return 0;
}
