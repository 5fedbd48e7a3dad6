/* clock_res_get, clock_time_get, random_get, sched_yield. */
#include "common.h"

int main(void) {
  static const char* const names[] = {"realtime", "monotonic", "process_cputime", "thread_cputime"};
  for (__wasi_clockid_t id = 0; id < 4; ++id) {
    __wasi_timestamp_t res = 0, t = 0;
    char label[64];
    snprintf(label, sizeof label, "clock_res_get(%s)", names[id]);
    if (show(label, __wasi_clock_res_get(id, &res)) == 0) CHECK(res > 0 && res <= 1000000000);
    snprintf(label, sizeof label, "clock_time_get(%s)", names[id]);
    if (show(label, __wasi_clock_time_get(id, 1, &t)) == 0) CHECK(t > 0);
  }
  __wasi_timestamp_t res = 0, t0 = 0, t1 = 0, now = 0;
  show("clock_res_get(7)", __wasi_clock_res_get(7, &res));
  show("clock_time_get(7)", __wasi_clock_time_get(7, 1, &t0));
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t0) == 0);
  show("sched_yield", __wasi_sched_yield());
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t1) == 0);
  printf("monotonic does not go back: %s\n", t1 >= t0 ? "yes" : "no");
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 0, &now) == 0);
  printf("realtime after 2024: %s\n", now > 1704067200ull * 1000000000ull ? "yes" : "no");

  uint8_t a[64] = {0}, b[64] = {0};
  show("random_get(64)", __wasi_random_get(a, sizeof a));
  show("random_get(64) again", __wasi_random_get(b, sizeof b));
  show("random_get(0)", __wasi_random_get(b, 0));
  int nonzero = 0;
  for (size_t i = 0; i < sizeof a; ++i) nonzero += a[i] != 0;
  printf("random bytes differ between calls: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
  printf("random bytes mostly nonzero: %s\n", nonzero > 32 ? "yes" : "no");
  return 0;
}
