/* Exits through proc_exit with the code given as argv[1], after flushing one line. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("exiting with %s\n", argc > 1 ? argv[1] : "?");
  fflush(stdout);
  exit(argc > 1 ? atoi(argv[1]) : 99);
  puts("not reached");
}
