/* args_sizes_get, args_get, environ_sizes_get, environ_get: the exact argv and environment. */
#include <stdlib.h>

#include "common.h"

int main(void) {
  __wasi_size_t argc = 0, argv_size = 0;
  show("args_sizes_get", __wasi_args_sizes_get(&argc, &argv_size));
  char** argv = calloc(argc + 1, sizeof(char*));
  char* argv_buf = malloc(argv_size + 1);
  show("args_get", __wasi_args_get((uint8_t**)argv, (uint8_t*)argv_buf));
  printf("argc = %u\n", (unsigned)argc);
  /* argv[0] is the module path as the runner was given it: print its last component. */
  const char* slash = strrchr(argv[0], '/');
  printf("argv[0] ends with %s\n", slash ? slash + 1 : argv[0]);
  size_t rest = 0;
  for (__wasi_size_t i = 1; i < argc; ++i) {
    printf("argv[%u] = \"%s\"\n", (unsigned)i, argv[i]);
    rest += strlen(argv[i]) + 1;
  }
  CHECK(argv_size == strlen(argv[0]) + 1 + rest);
  CHECK(argv[argc] == NULL);

  __wasi_size_t envc = 0, env_size = 0;
  show("environ_sizes_get", __wasi_environ_sizes_get(&envc, &env_size));
  char** env = calloc(envc + 1, sizeof(char*));
  char* env_buf = malloc(env_size + 1);
  show("environ_get", __wasi_environ_get((uint8_t**)env, (uint8_t*)env_buf));
  printf("envc = %u, bytes = %u\n", (unsigned)envc, (unsigned)env_size);
  for (__wasi_size_t i = 0; i < envc; ++i) printf("env[%u] = \"%s\"\n", (unsigned)i, env[i]);
  /* libc's view agrees. */
  const char* a = getenv("A");
  printf("getenv(A) = %s\n", a ? a : "(null)");
  printf("getenv(MISSING) = %s\n", getenv("MISSING") ? "set" : "(null)");
  return 0;
}
