// Service registry and call context (see service.h).
#include "shim/ttrpc/service.h"

#include <algorithm>
#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shim/ttrpc/absl_compat.h"

namespace ws::shim::ttrpc {

void Cancellation::cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool Cancellation::wait_until(absl::Time deadline) const {
  std::unique_lock lock(mu_);
  auto done = [this] { return cancelled_.load(std::memory_order_acquire); };
  if (deadline == absl::InfiniteFuture()) {
    cv_.wait(lock, done);
    return true;
  }
  return cv_.wait_until(lock, absl::ToChronoTime(deadline), done);
}

CallContext::CallContext(std::string service, std::string method, Metadata metadata,
                         absl::Time deadline, std::shared_ptr<const Cancellation> cancel)
    : service_(std::move(service)),
      method_(std::move(method)),
      metadata_(std::move(metadata)),
      deadline_(deadline),
      cancel_(std::move(cancel)) {}

std::vector<std::string_view> CallContext::metadata_values(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : metadata_) {
    if (absl::EqualsIgnoreCase(k, av(key))) out.emplace_back(v);
  }
  return out;
}

std::optional<std::string_view> CallContext::metadata_value(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (absl::EqualsIgnoreCase(k, av(key))) return std::string_view(v);
  }
  return std::nullopt;
}

bool CallContext::cancelled() const {
  if (cancel_ && cancel_->cancelled()) return true;
  return absl::Now() >= deadline_;
}

bool CallContext::wait_cancelled(absl::Duration timeout) const {
  absl::Time until = std::min(absl::Now() + timeout, deadline_);
  if (cancel_) {
    cancel_->wait_until(until);
  } else {
    absl::SleepFor(until - absl::Now());
  }
  return cancelled();
}

absl::Status ServiceRegistry::add(std::string_view service, std::string_view method,
                                  Handler handler) {
  if (service.empty() || method.empty() || !handler) {
    return absl::InvalidArgumentError(absl::StrCat("cannot register \"", av(service), "/",
                                                   av(method), "\": empty name or handler"));
  }
  auto& methods = services_[std::string(service)];
  if (!methods.emplace(std::string(method), std::move(handler)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("method /", av(service), "/", av(method), " is registered already"));
  }
  return absl::OkStatus();
}

absl::Status ServiceRegistry::alias(std::string_view from, std::string_view to) {
  auto it = services_.find(from);
  if (it == services_.end()) {
    return absl::NotFoundError(absl::StrCat("service ", av(from), " has no methods to alias"));
  }
  auto methods = it->second;  // copy: `to` may be inserted into services_ below
  for (auto& [name, handler] : methods) {
    if (absl::Status s = add(to, name, std::move(handler)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

bool ServiceRegistry::has(std::string_view service, std::string_view method) const {
  auto it = services_.find(service);
  return it != services_.end() && it->second.find(method) != it->second.end();
}

absl::StatusOr<std::string> ServiceRegistry::dispatch(const CallContext& ctx,
                                                      std::string_view request) const {
  auto service = services_.find(ctx.service());
  if (service == services_.end()) {
    return absl::UnimplementedError(absl::StrCat("service ", ctx.service()));
  }
  auto method = service->second.find(ctx.method());
  if (method == service->second.end()) {
    return absl::UnimplementedError(absl::StrCat("method ", ctx.method()));
  }
  try {
    return method->second(ctx, request);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("/", ctx.service(), "/", ctx.method(), " threw: ", e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat("/", ctx.service(), "/", ctx.method(), " threw a non-standard exception"));
  }
}

}  // namespace ws::shim::ttrpc
