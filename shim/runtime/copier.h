// A thread that copies one descriptor into another until EOF, an error or cancel(): stdin FIFO
// -> the guest's pipe, pty master <-> FIFOs.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

class Copier {
 public:
  // Owns both descriptors; `dst` is closed when the copy ends (its reader then sees EOF).
  Copier(UniqueFd src, UniqueFd dst);
  ~Copier();  // cancels and joins

  Copier(const Copier&) = delete;
  Copier& operator=(const Copier&) = delete;

  void cancel();
  // True once the copy has ended, waiting at most `timeout`.
  bool wait(absl::Duration timeout);

 private:
  void run();
  bool wait_ready(int fd, short events);

  UniqueFd src_, dst_, cancel_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace ws::shim
