/* fd_readdir: a full listing, resuming from a cookie, and paging with a small buffer. */
#include <stdlib.h>

#include "common.h"

#define MAX_ENTRIES 64

struct entry {
  char name[64];
  __wasi_dircookie_t next;
  uint8_t type;
};

/* Parses `buf` (used bytes `used`); returns the complete entries found. */
static int parse(const uint8_t* buf, size_t used, struct entry* out, int max) {
  int n = 0;
  size_t off = 0;
  while (off + sizeof(__wasi_dirent_t) <= used && n < max) {
    __wasi_dirent_t d;
    memcpy(&d, buf + off, sizeof d);
    if (off + sizeof d + d.d_namlen > used) break; /* truncated name */
    size_t len = d.d_namlen < 63 ? d.d_namlen : 63;
    memcpy(out[n].name, buf + off + sizeof d, len);
    out[n].name[len] = 0;
    out[n].next = d.d_next;
    out[n].type = d.d_type;
    ++n;
    off += sizeof d + d.d_namlen;
  }
  return n;
}

static int by_name(const void* a, const void* b) {
  return strcmp(((const struct entry*)a)->name, ((const struct entry*)b)->name);
}

static int is_dot(const char* name) { return !strcmp(name, ".") || !strcmp(name, ".."); }

/* "." and ".." may or may not be listed (wasmtime lists them, node does not): left out. */
static void print_sorted(const char* label, struct entry* e, int n) {
  qsort(e, (size_t)n, sizeof *e, by_name);
  int shown = 0;
  for (int i = 0; i < n; ++i) shown += !is_dot(e[i].name);
  printf("%s (%d without . and ..):", label, shown);
  for (int i = 0; i < n; ++i) {
    if (!is_dot(e[i].name)) printf(" %s(%u)", e[i].name, (unsigned)e[i].type);
  }
  printf("\n");
}

int main(void) {
  int root = preopen_fd("/sandbox");
  CHECK(__wasi_path_create_directory(root, "rd") == 0);
  const char* files[] = {"rd/alpha", "rd/beta", "rd/gamma", "rd/delta_with_a_long_name"};
  for (int i = 0; i < 4; ++i) {
    __wasi_fd_t f;
    CHECK(open_at(root, files[i], __WASI_OFLAGS_CREAT, 0, &f) == 0);
    CHECK(__wasi_fd_close(f) == 0);
  }
  CHECK(__wasi_path_create_directory(root, "rd/subdir") == 0);
  __wasi_fd_t dir;
  show("path_open(rd, DIRECTORY)", open_at(root, "rd", __WASI_OFLAGS_DIRECTORY, 0, &dir));

  static uint8_t buf[4096];
  __wasi_size_t used = 0;
  show("fd_readdir(cookie 0)", __wasi_fd_readdir(dir, buf, sizeof buf, 0, &used));
  struct entry all[MAX_ENTRIES];
  int n = parse(buf, used, all, MAX_ENTRIES);
  printf("buffer not filled: %s\n", used < sizeof buf ? "yes" : "no");

  /* Resuming from the cookie after entry k yields entries k+1.. in the same order. */
  int k = 2;
  __wasi_size_t used2 = 0;
  static uint8_t buf2[4096];
  show("fd_readdir(cookie of entry 3)",
       __wasi_fd_readdir(dir, buf2, sizeof buf2, all[k].next, &used2));
  struct entry tail[MAX_ENTRIES];
  int m = parse(buf2, used2, tail, MAX_ENTRIES);
  int same = m == n - k - 1;
  for (int i = 0; same && i < m; ++i) same = strcmp(tail[i].name, all[k + 1 + i].name) == 0;
  printf("resume gives the rest in order: %s\n", same ? "yes" : "no");

  /* Paging with a buffer that holds about one entry: a full buffer means "more". */
  struct entry paged[MAX_ENTRIES];
  int got = 0, calls = 0;
  __wasi_dircookie_t cookie = __WASI_DIRCOOKIE_START;
  for (;;) {
    uint8_t small[64]; /* one or two entries */
    __wasi_size_t u = 0;
    CHECK(__wasi_fd_readdir(dir, small, sizeof small, cookie, &u) == 0);
    ++calls;
    int c = parse(small, u, paged + got, MAX_ENTRIES - got);
    if (c > 0) cookie = paged[got + c - 1].next;
    got += c;
    if (u < sizeof small || calls > 100 || c == 0) break;
  }
  printf("paging took more than one call: %s\n", calls > 1 ? "yes" : "no");
  print_sorted("full listing", all, n);
  print_sorted("paged listing", paged, got);

  __wasi_fd_t file;
  CHECK(open_at(root, "rd/alpha", 0, 0, &file) == 0);
  show("fd_readdir(a file)", __wasi_fd_readdir(file, buf, sizeof buf, 0, &used));
  show("fd_readdir(bad fd)", __wasi_fd_readdir(77, buf, sizeof buf, 0, &used));
  return 0;
}
