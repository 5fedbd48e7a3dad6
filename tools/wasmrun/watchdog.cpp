// The --timeout watchdog thread.
#include "tools/wasmrun/watchdog.h"

#include <unistd.h>

#include <chrono>

namespace ws::tools {

Watchdog::Watchdog(engine::Store& store, double seconds, double grace_seconds,
                   std::string blocked_message, int exit_status)
    : store_(store), blocked_message_(std::move(blocked_message)), exit_status_(exit_status) {
  thread_ = std::thread([this, seconds, grace_seconds] { loop(seconds, grace_seconds); });
}

Watchdog::~Watchdog() { stop(); }

void Watchdog::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::loop(double seconds, double grace_seconds) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds));
  auto give_up = deadline + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(grace_seconds));
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
  fired_ = true;
  // Repeated because a request made between two calls (e.g. _initialize then the export) is
  // dropped when the next call starts.
  while (!done_) {
    store_.interrupt();
    if (Clock::now() >= give_up) {
      ssize_t ignored = write(2, blocked_message_.data(), blocked_message_.size());
      (void)ignored;
      _exit(exit_status_);
    }
    cv_.wait_for(lock, std::chrono::milliseconds(5), [this] { return done_; });
  }
}

}  // namespace ws::tools
