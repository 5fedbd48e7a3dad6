// --timeout: a thread that interrupts a store's running call once a deadline passes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "engine/runtime/store.h"

namespace ws::tools {

class Watchdog {
 public:
  // After `seconds`, calls store.interrupt() every few milliseconds until stop(). A guest blocked
  // inside a host call (poll_oneoff, fd_read, sock_accept) never reaches an interruption point:
  // if the call has not ended `grace_seconds` after the deadline, the watchdog writes
  // `blocked_message` to stderr and ends the process with `exit_status`.
  Watchdog(engine::Store& store, double seconds, double grace_seconds, std::string blocked_message,
           int exit_status);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Ends the thread; fired() tells whether the deadline had passed.
  void stop();
  bool fired() const { return fired_.load(); }

 private:
  void loop(double seconds, double grace_seconds);

  engine::Store& store_;
  std::string blocked_message_;
  int exit_status_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

}  // namespace ws::tools
