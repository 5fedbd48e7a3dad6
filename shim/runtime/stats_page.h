// A page shared by the shim and an init instance process, where the instance's engine keeps its
// linear-memory totals (engine/runtime/memory_totals.h) for the shim's Stats to read.
#pragma once

#include "absl/status/statusor.h"
#include "engine/runtime/memory_totals.h"
#include "shim/runtime/fd.h"
#include "shim/task/runtime.h"

namespace ws::shim {

class StatsPage {
 public:
  // The shim's side: a sealed-size memfd, mapped. The fd goes to the instance as kStatsFd.
  static absl::StatusOr<StatsPage> create();
  StatsPage(StatsPage&& other) noexcept;
  StatsPage& operator=(StatsPage&& other) noexcept;
  StatsPage(const StatsPage&) = delete;
  StatsPage& operator=(const StatsPage&) = delete;
  ~StatsPage();

  int fd() const { return fd_.get(); }
  // Once the instance holds its copy: the mapping stays, the shim keeps no descriptor per
  // container.
  void close_fd() { fd_.reset(); }
  WasmStats read() const;

  // The instance's side: maps the inherited descriptor (closing it) and makes the engine keep
  // its totals there. Without the descriptor (exec processes) it does nothing.
  static absl::Status adopt_inherited(int fd);

 private:
  StatsPage(UniqueFd fd, engine::MemoryTotals* totals) : fd_(std::move(fd)), totals_(totals) {}

  UniqueFd fd_;
  engine::MemoryTotals* totals_ = nullptr;
};

}  // namespace ws::shim
