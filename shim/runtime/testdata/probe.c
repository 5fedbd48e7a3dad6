// A WASI command for the runtime's root tests: `probe <verb> [arg]` shows what the guest sees.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

static int copy(FILE* in) {
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0) fwrite(buf, 1, n, stdout);
  return ferror(in) ? 1 : 0;
}

int main(int argc, char** argv) {
  const char* verb = argc > 1 ? argv[1] : "args";
  const char* arg = argc > 2 ? argv[2] : "";
  if (strcmp(verb, "args") == 0) {
    for (int i = 0; i < argc; ++i) printf("arg %s\n", argv[i]);
    for (char** e = environ; *e; ++e) printf("env %s\n", *e);
    return 0;
  }
  if (strcmp(verb, "cat") == 0) {
    FILE* f = fopen(arg, "r");
    if (!f) {
      printf("open %s: %s\n", arg, strerror(errno));
      return 1;
    }
    return copy(f);
  }
  if (strcmp(verb, "write") == 0) {
    FILE* f = fopen(arg, "w");
    if (!f || fputs("written\n", f) < 0 || fclose(f) != 0) {
      printf("write %s: %s\n", arg, strerror(errno));
      return 2;
    }
    printf("wrote %s\n", arg);
    return 0;
  }
  if (strcmp(verb, "exit") == 0) exit(atoi(arg));
  if (strcmp(verb, "stdin") == 0) {
    int rc = copy(stdin);
    printf("<EOF>\n");
    return rc;
  }
  if (strcmp(verb, "sleep") == 0) {
    for (;;) sleep(1000);
  }
  fprintf(stderr, "probe: unknown verb %s\n", verb);
  return 64;
}
