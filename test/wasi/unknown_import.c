/* Imports a function nobody provides; calls it only when given an argument. */
#include <stdio.h>

__attribute__((import_module("env"), import_name("host_magic"))) int host_magic(int);

int main(int argc, char** argv) {
  (void)argv;
  if (argc > 1) printf("host_magic: %d\n", host_magic(7));
  printf("not calling host_magic\n");
  return 0;
}
