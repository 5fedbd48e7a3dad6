// Recursion kernel: naive doubly recursive Fibonacci (call overhead, stack frames).
#include "kernel.h"

static int64_t fib(int32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

WS_KERNEL_ENTRY(fib) { return fib(n); }
