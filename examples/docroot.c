/* The bind-mount demo: a static "site" mounted at /docroot from the host
 * (`ctr run --mount type=bind,src=DIR,dst=/docroot,options=rbind:ro`): lists it, prints
 * whether it may write there (a read-only mount refuses) and index.html as a server would serve
 * it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static int list(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    printf("cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  char* names[256];
  size_t n = 0;
  for (struct dirent* e; (e = readdir(d)) && n < 256;) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], by_name);
  printf("%s holds %zu entries:\n", path, n);
  for (size_t i = 0; i < n; ++i) {
    printf("  %s\n", names[i]);
    free(names[i]);
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : "/docroot";
  if (list(root) != 0) return 1;
  char path[512];
  snprintf(path, sizeof path, "%s/written-by-the-guest.txt", root);
  FILE* w = fopen(path, "w");
  printf("writing into %s: %s\n", root, w ? "allowed" : strerror(errno));
  if (w) fclose(w);
  snprintf(path, sizeof path, "%s/index.html", root);
  FILE* f = fopen(path, "r");
  if (!f) {
    printf("cannot open %s: %s\n", path, strerror(errno));
    return 1;
  }
  printf("GET /index.html -> 200\n");
  char line[512];
  while (fgets(line, sizeof line, f)) fputs(line, stdout);
  fclose(f);
  return 0;
}
