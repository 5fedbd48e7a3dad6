/* The same sandbox through wasi-libc's POSIX layer, as ordinary programs use it: stdio, rename,
 * directories, links, the emulated working directory, and what the grant refuses (errno 76,
 * ENOTCAPABLE, "Capabilities insufficient"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void result(const char* what, int ok) {
  if (ok) {
    printf("%s: ok\n", what);
  } else {
    printf("%s: errno %d (%s)\n", what, errno, strerror(errno));
  }
}

static void try_fopen(const char* path, const char* mode) {
  char label[128];
  snprintf(label, sizeof label, "fopen(%s, %s)", path, mode);
  FILE* f = fopen(path, mode);
  result(label, f != NULL);
  if (f) fclose(f);
}

static void cat(const char* path) {
  FILE* f = fopen(path, "r");
  char buf[128] = {0};
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  printf("%s holds \"%.*s\"\n", path, (int)n, buf);
  if (f) fclose(f);
}

static int by_name(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    result(path, 0);
    return;
  }
  char* names[32];
  int n = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL && n < 32;) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], by_name);
  printf("%s:", path);
  for (int i = 0; i < n; ++i) printf(" %s", names[i]);
  printf("\n");
}

int main(void) {
  FILE* f = fopen("/sandbox/new.txt", "w");
  result("fopen(/sandbox/new.txt, w)", f != NULL);
  if (f) {
    fprintf(f, "written through stdio\n");
    fclose(f);
  }
  cat("/sandbox/new.txt");
  result("rename to sub/renamed.txt", rename("/sandbox/new.txt", "/sandbox/sub/renamed.txt") == 0);
  result("mkdir /sandbox/made", mkdir("/sandbox/made", 0755) == 0);
  result("symlink made -> ln", symlink("made", "/sandbox/ln") == 0);
  char target[64] = {0};
  ssize_t n = readlink("/sandbox/ln", target, sizeof target - 1);
  printf("readlink(/sandbox/ln) = \"%s\"\n", n >= 0 ? target : "?");
  list("/sandbox/sub");
  struct stat st;
  result("stat(/sandbox/hello.txt)", stat("/sandbox/hello.txt", &st) == 0);
  printf("size %lld, regular: %s\n", (long long)st.st_size, S_ISREG(st.st_mode) ? "yes" : "no");

  result("chdir(/sandbox/sub)", chdir("/sandbox/sub") == 0);
  cat("inner.txt");
  cat("../hello.txt");
  try_fopen("../../etc/passwd", "r");

  try_fopen("/etc/passwd", "r");
  try_fopen("/sandbox/../outside/secret.txt", "r");
  try_fopen("/sandbox/escape_file", "r");
  try_fopen("/sandbox/escape_rel/secret.txt", "r");
  try_fopen("/sandbox/escape_abs/etc/passwd", "r");
  try_fopen("/ro/ro.txt", "r");
  try_fopen("/ro/ro.txt", "a");
  try_fopen("/ro/new.txt", "w");
  result("rename into /ro", rename("/sandbox/hello.txt", "/ro/hello.txt") == 0);
  result("unlink /ro/ro.txt", unlink("/ro/ro.txt") == 0);
  result("opendir(/)", opendir("/") != NULL);
  result("rmdir /sandbox/made", rmdir("/sandbox/made") == 0);
  result("unlink /sandbox/ln", unlink("/sandbox/ln") == 0);
  return 0;
}
