// poll_oneoff: clock (relative and absolute) and fd_read/fd_write subscriptions, any mix.
//
// The wait runs in slices of at most 50 ms so that Store::interrupt ends it with EINTR.
// A subscription that cannot be waited on (bad descriptor, missing POLL_FD_READWRITE right,
// unknown clock) completes at once as an event carrying that error. Readiness of a read
// subscription reports the bytes available (FIONREAD) in nbytes; a hang-up sets
// EVENT_FD_READWRITE_HANGUP.
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi {

clockid_t host_clock(uint32_t id);  // host_clock.cpp

namespace host {
namespace {

constexpr uint32_t kMaxSubscriptions = 1u << 16;
constexpr int64_t kSliceNs = 50'000'000;

int64_t now_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(timespec_ns(ts));
}

struct Pending {
  std::vector<Subscription> subs;
  std::vector<int64_t> deadline;  // clock subscriptions: CLOCK_MONOTONIC ns; else -1
  std::vector<pollfd> fds;
  std::vector<uint32_t> fd_sub;  // fds[i] belongs to subs[fd_sub[i]]
  std::vector<Event> events;
};

Event event_for(const Subscription& s, Errno error) {
  Event ev{};
  ev.userdata = s.userdata;
  ev.type = s.tag;
  ev.error = static_cast<uint16_t>(error);
  return ev;
}

// Sorts each subscription into a deadline, a pollfd, or an immediate event.
Errno prepare(const Call& c, Pending& p) {
  int64_t mono = now_ns(CLOCK_MONOTONIC);
  p.deadline.assign(p.subs.size(), -1);
  for (uint32_t i = 0; i < p.subs.size(); ++i) {
    const Subscription& s = p.subs[i];
    if (s.tag == eventtype::kClock) {
      clockid_t id = host_clock(s.u.clock.id);
      if (id == -1) {
        p.events.push_back(event_for(s, Errno::kInval));
        continue;
      }
      auto timeout = static_cast<int64_t>(std::min<uint64_t>(s.u.clock.timeout, INT64_MAX / 2));
      int64_t left = (s.u.clock.flags & kSubscriptionClockAbstime) ? timeout - now_ns(id) : timeout;
      p.deadline[i] = mono + std::max<int64_t>(left, 0);
    } else if (s.tag == eventtype::kFdRead || s.tag == eventtype::kFdWrite) {
      FdEntry* e;
      Errno err = lookup_fd(c, s.u.fd_readwrite.fd, rights::kPollFdReadwrite, e);
      if (err != Errno::kSuccess) {
        p.events.push_back(event_for(s, err));
        continue;
      }
      short events = s.tag == eventtype::kFdRead ? POLLIN : POLLOUT;
      p.fds.push_back({e->fd.get(), events, 0});
      p.fd_sub.push_back(i);
    } else {
      return Errno::kInval;
    }
  }
  return Errno::kSuccess;
}

void collect(Pending& p) {
  for (size_t i = 0; i < p.fds.size(); ++i) {
    const pollfd& f = p.fds[i];
    if (f.revents == 0) continue;
    const Subscription& s = p.subs[p.fd_sub[i]];
    Event ev = event_for(s, (f.revents & POLLNVAL) ? Errno::kBadf : Errno::kSuccess);
    if (f.revents & (POLLHUP | POLLERR)) ev.flags = kEventFdReadwriteHangup;
    int avail = 0;
    if (s.tag == eventtype::kFdRead && ioctl(f.fd, FIONREAD, &avail) == 0 && avail > 0) {
      ev.nbytes = static_cast<uint64_t>(avail);
    }
    p.events.push_back(ev);
  }
  int64_t mono = now_ns(CLOCK_MONOTONIC);
  for (size_t i = 0; i < p.subs.size(); ++i) {
    if (p.deadline[i] >= 0 && p.deadline[i] <= mono) {
      p.events.push_back(event_for(p.subs[i], Errno::kSuccess));
    }
  }
}

Errno wait(const Call& c, Pending& p) {
  while (true) {
    int64_t wait_ns = p.events.empty() ? kSliceNs : 0;
    int64_t mono = now_ns(CLOCK_MONOTONIC);
    for (int64_t d : p.deadline) {
      if (d >= 0) wait_ns = std::min(wait_ns, std::max<int64_t>(d - mono, 0));
    }
    struct timespec ts = {wait_ns / 1'000'000'000, wait_ns % 1'000'000'000};
    int n = ppoll(p.fds.data(), p.fds.size(), &ts, nullptr);
    if (n < 0 && errno != EINTR) return last_errno();
    if (n > 0 || wait_ns < kSliceNs) collect(p);
    if (!p.events.empty()) return Errno::kSuccess;
    if (c.interrupted()) return Errno::kIntr;
  }
}

}  // namespace

Errno poll_oneoff(Call& c) {
  uint32_t in = c.u32(0), out = c.u32(1), n = c.u32(2), nevents_ptr = c.u32(3);
  if (n == 0 || n > kMaxSubscriptions) return Errno::kInval;
  const uint8_t* src = c.mem.bytes(in, uint64_t{n} * sizeof(Subscription));
  if (src == nullptr || !c.mem.in_bounds(out, uint64_t{n} * sizeof(Event)) ||
      !c.mem.in_bounds(nevents_ptr, sizeof(uint32_t))) {
    return Errno::kFault;
  }
  Pending p;
  p.subs.resize(n);  // copied first: the guest may pass overlapping in and out arrays
  std::memcpy(p.subs.data(), src, uint64_t{n} * sizeof(Subscription));
  Errno err = prepare(c, p);
  if (err == Errno::kSuccess) err = wait(c, p);
  if (err != Errno::kSuccess) return err;
  for (size_t i = 0; i < p.events.size(); ++i) c.mem.store(out + i * sizeof(Event), p.events[i]);
  c.mem.store(nevents_ptr, static_cast<uint32_t>(p.events.size()));
  return Errno::kSuccess;
}

}  // namespace host
}  // namespace ws::engine::wasi
