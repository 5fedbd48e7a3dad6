/* poll_oneoff: several subscriptions at once (clock, fd_read on a file, fd_write on stdout),
 * a relative clock alone, an absolute clock in the past, and bad input. */
#include "common.h"

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud, __wasi_timestamp_t timeout,
                                       __wasi_subclockflags_t flags) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.precision = 1000;
  s.u.u.clock.flags = flags;
  return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t ud, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = type;
  if (type == __WASI_EVENTTYPE_FD_READ) {
    s.u.u.fd_read.file_descriptor = fd;
  } else {
    s.u.u.fd_write.file_descriptor = fd;
  }
  return s;
}

static void print_events(const __wasi_event_t* ev, __wasi_size_t n) {
  /* Events come in any order: print by userdata. */
  for (__wasi_userdata_t ud = 1; ud <= 9; ++ud) {
    for (__wasi_size_t i = 0; i < n; ++i) {
      if (ev[i].userdata != ud) continue;
      printf("  event userdata %llu: type %u, error %s\n", (unsigned long long)ud,
             (unsigned)ev[i].type, errno_name(ev[i].error));
    }
  }
}

int main(void) {
  int dir = preopen_fd("/sandbox");
  __wasi_fd_t file;
  CHECK(open_at(dir, "hello.txt", 0, 0, &file) == 0);

  __wasi_subscription_t subs[3] = {
      clock_sub(1, 5ull * 1000000000ull, 0),
      fd_sub(2, __WASI_EVENTTYPE_FD_READ, file),
      fd_sub(3, __WASI_EVENTTYPE_FD_WRITE, 1),
  };
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;
  __wasi_timestamp_t t0, t1;
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t0) == 0);
  show("poll_oneoff(clock 5s, read file, write stdout)", __wasi_poll_oneoff(subs, ev, 3, &n));
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t1) == 0);
  printf("events: %u, returned before the clock: %s\n", (unsigned)n,
         t1 - t0 < 4000000000ull ? "yes" : "no");
  print_events(ev, n);

  __wasi_subscription_t alone = clock_sub(4, 20000000ull, 0);
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t0) == 0);
  show("poll_oneoff(clock 20ms)", __wasi_poll_oneoff(&alone, ev, 1, &n));
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t1) == 0);
  printf("events: %u, waited at least 20ms: %s\n", (unsigned)n,
         t1 - t0 >= 20000000ull ? "yes" : "no");
  print_events(ev, n);

  __wasi_subscription_t past = clock_sub(5, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  show("poll_oneoff(absolute clock in the past)", __wasi_poll_oneoff(&past, ev, 1, &n));
  printf("events: %u\n", (unsigned)n);
  print_events(ev, n);

  __wasi_subscription_t bad = fd_sub(6, __WASI_EVENTTYPE_FD_READ, 99);
  show("poll_oneoff(read on a bad fd)", __wasi_poll_oneoff(&bad, ev, 1, &n));
  printf("events: %u\n", (unsigned)n);
  print_events(ev, n);

  show("poll_oneoff(no subscriptions)", __wasi_poll_oneoff(subs, ev, 0, &n));
  return 0;
}
