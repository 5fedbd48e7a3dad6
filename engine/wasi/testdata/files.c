/* Creates, writes, reads and lists files under the preopen /data, and tries to write under
 * the read-only preopen /ro. Prints what it saw; errno values are WASI's (wasi-libc). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

static void list(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    printf("opendir %s: errno %d\n", path, errno);
    return;
  }
  char* names[64];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL && n < 64) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp);
  printf("ls %s:", path);
  for (int i = 0; i < n; ++i) printf(" %s", names[i]);
  printf("\n");
}

int main(void) {
  if (mkdir("/data/sub", 0755) != 0) printf("mkdir: errno %d\n", errno);
  FILE* f = fopen("/data/sub/a.txt", "w");
  if (!f) {
    printf("fopen w: errno %d\n", errno);
    return 1;
  }
  fputs("first line\nsecond line\n", f);
  fclose(f);
  f = fopen("/data/sub/b.txt", "w");
  fclose(f);
  char buf[64] = {0};
  f = fopen("/data/sub/a.txt", "r");
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  printf("read %zu: %s", n, buf);
  struct stat st;
  stat("/data/sub/a.txt", &st);
  printf("size %lld\n", (long long)st.st_size);
  list("/data/sub");
  if (rename("/data/sub/b.txt", "/data/sub/c.txt") != 0) printf("rename: errno %d\n", errno);
  list("/data/sub");
  list("/ro");
  int fd = open("/ro/new.txt", O_WRONLY | O_CREAT, 0644);
  printf("ro create: %d errno %d\n", fd, fd < 0 ? errno : 0);
  fd = open("/ro/existing.txt", O_WRONLY);
  printf("ro open for write: %d errno %d\n", fd, fd < 0 ? errno : 0);
  printf("ro unlink: %d errno %d\n", unlink("/ro/existing.txt"), errno);
  printf("ro mkdir: %d errno %d\n", mkdir("/ro/d", 0755), errno);
  fd = open("/ro/existing.txt", O_RDONLY);
  n = read(fd, buf, sizeof(buf) - 1);
  buf[n] = 0;
  printf("ro read: %s\n", buf);
  return 0;
}
