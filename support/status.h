// Status helpers over absl::Status: early-return macros used by every control-plane library.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WS_CONCAT_INNER(a, b) a##b
#define WS_CONCAT(a, b) WS_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define WS_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status ws_status_ = (expr);      \
    if (!ws_status_.ok()) return ws_status_; \
  } while (0)

// Evaluates `expr` (a StatusOr); returns its status on error, else moves the value into `lhs`.
#define WS_ASSIGN_OR_RETURN(lhs, expr) \
  WS_ASSIGN_OR_RETURN_IMPL(WS_CONCAT(ws_statusor_, __LINE__), lhs, expr)
#define WS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()
