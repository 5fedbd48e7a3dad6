// Client <-> server over real unix sockets: round trips, status codes, concurrency on one
// connection, many connections, timeouts, malformed and truncated input, shutdown.
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/ttrpc/request.pb.h"
#include "shim/ttrpc/client.h"
#include "shim/ttrpc/frame.h"
#include "shim/ttrpc/server.h"
#include "shim/ttrpc/socket.h"

namespace ws::shim::ttrpc {
namespace {

constexpr std::string_view kSvc = "test.v1.Svc";

// Reads one frame from a raw socket, failing the test after 5 s.
std::optional<Frame> read_frame(int fd, FrameDecoder& d) {
  for (;;) {
    if (auto f = d.next()) return f;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return std::nullopt;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return std::nullopt;
    d.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

std::string request_frame(uint32_t id, std::string_view method, std::string_view payload = "") {
  ::ttrpc::Request req;
  req.set_service(std::string(kSvc));
  req.set_method(std::string(method));
  req.set_payload(std::string(payload));
  return *encode_frame(id, MessageType::kRequest, 0, req.SerializeAsString());
}

// The reply status code carried by a Response frame.
int status_code(const Frame& f) {
  ::ttrpc::Response resp;
  EXPECT_TRUE(resp.ParseFromString(f.payload));
  return resp.status().code();
}

class TtrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws_ttrpc_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    address_ = "unix://" + dir_ + "/s.sock";
    auto reg = std::make_shared<ServiceRegistry>();
    ASSERT_TRUE(reg->add(kSvc, "Echo",
                         [](const CallContext&, std::string_view r) {
                           return absl::StatusOr<std::string>(std::string(r));
                         })
                    .ok());
    ASSERT_TRUE(reg->add(kSvc, "NotFound",
                         [](const CallContext&, std::string_view) {
                           return absl::StatusOr<std::string>(
                               absl::NotFoundError("task abc not found"));
                         })
                    .ok());
    // Blocks until released or until its call is cancelled (peer gone, deadline, shutdown);
    // a cancelled call answers CANCELLED 300 ms later.
    ASSERT_TRUE(reg->add(kSvc, "Block",
                         [this](const CallContext& ctx, std::string_view) {
                           blocked_.fetch_add(1);
                           while (!release_.cancelled()) {
                             if (ctx.wait_cancelled(absl::Milliseconds(5))) {
                               cancelled_.fetch_add(1);
                               // Reply well after a caller's own timeout has fired, so
                               // the caller deterministically sees DEADLINE_EXCEEDED.
                               absl::SleepFor(absl::Milliseconds(300));
                               return absl::StatusOr<std::string>(
                                   absl::CancelledError("cancelled"));
                             }
                           }
                           return absl::StatusOr<std::string>("released");
                         })
                    .ok());
    // The id of the thread the handler runs on.
    ASSERT_TRUE(reg->add(kSvc, "Tid",
                         [](const CallContext&, std::string_view) {
                           return absl::StatusOr<std::string>(absl::StrCat(::gettid()));
                         })
                    .ok());
    // Reports what the handler saw of metadata and timeout.
    ASSERT_TRUE(reg->add(kSvc, "Meta",
                         [](const CallContext& ctx, std::string_view) {
                           std::string out(ctx.metadata_value(kNamespaceMetadataKey).value_or("-"));
                           absl::StrAppend(&out, " values=", ctx.metadata_values("k").size());
                           absl::StrAppend(&out, ctx.deadline() == absl::InfiniteFuture()
                                                     ? " nodeadline"
                                                     : " deadline");
                           if (ctx.deadline() != absl::InfiniteFuture() &&
                               ctx.deadline() - absl::Now() > absl::Seconds(20)) {
                             absl::StrAppend(&out, ">20s");
                           }
                           return absl::StatusOr<std::string>(out);
                         })
                    .ok());
    ServerOptions opts;
    opts.on_error = [this](const absl::Status& s) {
      std::lock_guard lock(errors_mu_);
      errors_.push_back(s);
    };
    server_ = std::make_unique<Server>(reg, opts);
    ASSERT_TRUE(server_->listen(address_).ok());
  }

  void TearDown() override {
    release_.cancel();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Client> dial() {
    auto c = Client::connect(address_, absl::Seconds(5));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  UniqueFd raw() {
    auto fd = connect_unix(address_, absl::Seconds(5));
    EXPECT_TRUE(fd.ok()) << fd.status();
    return fd.ok() ? *std::move(fd) : UniqueFd();
  }

  bool wait_for(const std::function<bool()>& cond) {
    for (int i = 0; i < 500; ++i) {
      if (cond()) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return cond();
  }

  std::vector<absl::Status> errors() {
    std::lock_guard lock(errors_mu_);
    return errors_;
  }

  std::string dir_;
  std::string address_;
  std::unique_ptr<Server> server_;
  Cancellation release_;  // lets Block handlers return
  std::atomic<int> blocked_{0};
  std::atomic<int> cancelled_{0};
  std::mutex errors_mu_;
  std::vector<absl::Status> errors_;
};

TEST_F(TtrpcTest, RoundTripAndStatusCodes) {
  auto c = dial();
  ASSERT_TRUE(c);
  auto r = c->call(kSvc, "Echo", "ping");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "ping");
  r = c->call(kSvc, "Echo", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "");
  r = c->call(kSvc, "NotFound", "");
  EXPECT_EQ(r.status(), absl::NotFoundError("task abc not found"));
}

TEST_F(TtrpcTest, UnknownServiceOrMethodIsUnimplemented) {
  auto c = dial();
  ASSERT_TRUE(c);
  auto r = c->call("containerd.task.v3.Task", "Create", "");
  EXPECT_EQ(r.status(), absl::UnimplementedError("service containerd.task.v3.Task"));
  r = c->call(kSvc, "Checkpoint", "");
  EXPECT_EQ(r.status(), absl::UnimplementedError("method Checkpoint"));
  EXPECT_TRUE(c->call(kSvc, "Echo", "still fine").ok());
}

TEST_F(TtrpcTest, BlockingCallDoesNotStallOthersOnTheSameConnection) {
  auto c = dial();
  ASSERT_TRUE(c);
  auto waiting = std::async(std::launch::async, [&] { return c->call(kSvc, "Block", ""); });
  ASSERT_TRUE(wait_for([&] { return blocked_.load() == 1; }));
  for (int i = 0; i < 20; ++i) {
    auto r = c->call(kSvc, "Echo", absl::StrCat("n", i));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, absl::StrCat("n", i));
  }
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  release_.cancel();
  auto r = waiting.get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "released");
}

// Threads in this process (the test's own, the server's, the client's).
size_t thread_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

TEST_F(TtrpcTest, HandlerThreadsAreReused) {
  auto c = dial();
  ASSERT_TRUE(c);
  std::set<std::string> tids;
  for (int i = 0; i < 20; ++i) {
    auto r = c->call(kSvc, "Tid", "");
    ASSERT_TRUE(r.ok()) << r.status();
    tids.insert(*r);
    absl::SleepFor(absl::Milliseconds(30));  // the worker is back waiting by then
  }
  EXPECT_LE(tids.size(), 5u);  // a thread per call would be 20
}

TEST_F(TtrpcTest, BusyWorkersGetCompanyAndFewStayIdle) {
  auto c = dial();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->call(kSvc, "Echo", "warm").ok());
  const size_t base = thread_count();  // one waiting worker among them
  std::vector<std::future<absl::StatusOr<std::string>>> blocks;
  for (int i = 0; i < 5; ++i) {
    blocks.push_back(std::async(std::launch::async, [&] { return c->call(kSvc, "Block", ""); }));
  }
  ASSERT_TRUE(wait_for([&] { return blocked_.load() == 5; }));  // five busy at once
  auto r = c->call(kSvc, "Echo", "meanwhile");
  ASSERT_TRUE(r.ok()) << r.status();
  release_.cancel();
  for (auto& b : blocks) EXPECT_TRUE(b.get().ok());
  // At most two workers wait for calls; the rest leave.
  EXPECT_TRUE(wait_for([&] { return thread_count() <= base + 1; }))
      << thread_count() << " threads, " << base << " before";
}

TEST_F(TtrpcTest, ConcurrentCallsFromManyThreadsOnOneClient) {
  auto c = dial();
  ASSERT_TRUE(c);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string msg = absl::StrCat(t, ":", i, std::string(static_cast<size_t>(i) * 100, 'x'));
        auto r = c->call(kSvc, "Echo", msg);
        if (r.ok() && *r == msg) good.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 400);
}

TEST_F(TtrpcTest, ManyConnections) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(dial());
  for (size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i]);
    auto r = clients[i]->call(kSvc, "Echo", absl::StrCat(i));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, absl::StrCat(i));
  }
  EXPECT_EQ(server_->connection_count(), 40u);
  clients.resize(10);
  EXPECT_TRUE(wait_for([&] { return server_->connection_count() == 10; }));
  EXPECT_TRUE(errors().empty());
}

TEST_F(TtrpcTest, MetadataAndTimeoutReachTheHandler) {
  auto c = dial();
  ASSERT_TRUE(c);
  CallOptions opts;
  opts.metadata = {{std::string(kNamespaceMetadataKey), "default"}, {"k", "1"}, {"K", "2"}};
  auto r = c->call(kSvc, "Meta", "", opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "default values=2 nodeadline");
  opts.timeout = absl::Seconds(30);
  r = c->call(kSvc, "Meta", "", opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "default values=2 deadline>20s");
}

TEST_F(TtrpcTest, TimeoutIsDeadlineExceededAndTheServerSeesIt) {
  auto c = dial();
  ASSERT_TRUE(c);
  CallOptions opts;
  opts.timeout = absl::Milliseconds(100);
  absl::Time start = absl::Now();
  auto r = c->call(kSvc, "Block", "", opts);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The handler's context expired too (timeout_nano travelled with the request).
  EXPECT_TRUE(wait_for([&] { return cancelled_.load() == 1; }));
  auto ok = c->call(kSvc, "Echo", "after");  // the late reply is dropped, the client goes on
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "after");
}

TEST_F(TtrpcTest, OversizedRequestsAreRefused) {
  auto c = dial();
  ASSERT_TRUE(c);
  auto r = c->call(kSvc, "Echo", std::string(kMaxMessageSize + 1, 'a'));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(c->call(kSvc, "Echo", "small").ok());

  // A peer that sends one anyway gets RESOURCE_EXHAUSTED on that stream and can go on.
  UniqueFd fd = raw();
  char header[kHeaderSize];
  encode_header({kMaxMessageSize + 1, 1, 1, 0}, header);
  ASSERT_TRUE(write_all(fd.get(), std::string_view(header, kHeaderSize)).ok());
  ASSERT_TRUE(write_all(fd.get(), std::string(kMaxMessageSize + 1, 'z')).ok());
  ASSERT_TRUE(write_all(fd.get(), request_frame(3, "Echo", "next")).ok());
  FrameDecoder d;
  auto f1 = read_frame(fd.get(), d);
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->header.stream_id, 1u);
  EXPECT_EQ(status_code(*f1), static_cast<int>(absl::StatusCode::kResourceExhausted));
  auto f2 = read_frame(fd.get(), d);
  ASSERT_TRUE(f2);
  EXPECT_EQ(f2->header.stream_id, 3u);
  ::ttrpc::Response resp;
  ASSERT_TRUE(resp.ParseFromString(f2->payload));
  EXPECT_EQ(resp.status().code(), 0);
  EXPECT_EQ(resp.payload(), "next");
}

TEST_F(TtrpcTest, ProtocolViolationsAreInvalidArgument) {
  UniqueFd fd = raw();
  FrameDecoder d;
  auto expect_code = [&](uint32_t id, absl::StatusCode code) {
    auto f = read_frame(fd.get(), d);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->header.stream_id, id);
    EXPECT_EQ(f->header.type, static_cast<uint8_t>(MessageType::kResponse));
    EXPECT_EQ(status_code(*f), static_cast<int>(code));
  };
  ASSERT_TRUE(write_all(fd.get(), request_frame(2, "Echo")).ok());  // even id
  expect_code(2, absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(write_all(fd.get(), request_frame(5, "Echo")).ok());
  expect_code(5, absl::StatusCode::kOk);
  ASSERT_TRUE(write_all(fd.get(), request_frame(3, "Echo")).ok());  // not increasing
  expect_code(3, absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(write_all(fd.get(), *encode_frame(7, MessageType::kRequest, 0, "\xff\xff")).ok());
  expect_code(7, absl::StatusCode::kInvalidArgument);  // not a ttrpc.Request
  ASSERT_TRUE(write_all(fd.get(), *encode_frame(9, MessageType::kData, 0, "")).ok());
  expect_code(9, absl::StatusCode::kInvalidArgument);  // data for no stream
  ASSERT_TRUE(write_all(fd.get(), request_frame(11, "Echo", "alive")).ok());
  expect_code(11, absl::StatusCode::kOk);
}

TEST_F(TtrpcTest, PeerDisconnectingMidFrameIsReportedAndHarmless) {
  {
    UniqueFd fd = raw();
    std::string f = request_frame(1, "Echo", std::string(100, 'x'));
    ASSERT_TRUE(write_all(fd.get(), f.substr(0, kHeaderSize + 30)).ok());
  }
  {
    UniqueFd fd = raw();
    ASSERT_TRUE(write_all(fd.get(), std::string("\x00\x00\x00", 3)).ok());
  }
  ASSERT_TRUE(wait_for([&] { return errors().size() == 2; }));
  auto errs = errors();
  for (const auto& e : errs) EXPECT_EQ(e.code(), absl::StatusCode::kDataLoss) << e;
  EXPECT_TRUE(wait_for([&] { return server_->connection_count() == 0; }));
  auto c = dial();
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->call(kSvc, "Echo", "x").ok());
}

TEST_F(TtrpcTest, GarbageDoesNotHurtTheServer) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    UniqueFd fd = raw();
    std::string junk(1 + rng() % 20000, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (round % 2 == 0) junk[0] = junk[1] = 0;  // plausible lengths, garbage ids and types
    (void)write_all(fd.get(), junk);
  }
  EXPECT_TRUE(wait_for([&] { return server_->connection_count() == 0; }));
  auto c = dial();
  ASSERT_TRUE(c);
  auto r = c->call(kSvc, "Echo", "survived");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "survived");
}

TEST_F(TtrpcTest, PeerLeavingCancelsItsRunningCalls) {
  {
    UniqueFd fd = raw();
    ASSERT_TRUE(write_all(fd.get(), request_frame(1, "Block")).ok());
    ASSERT_TRUE(wait_for([&] { return blocked_.load() == 1; }));
  }
  EXPECT_TRUE(wait_for([&] { return cancelled_.load() == 1; }));
}

TEST_F(TtrpcTest, ShutdownCancelsCallsFailsClientsAndRemovesTheSocket) {
  auto c = dial();
  ASSERT_TRUE(c);
  auto waiting = std::async(std::launch::async, [&] { return c->call(kSvc, "Block", ""); });
  ASSERT_TRUE(wait_for([&] { return blocked_.load() == 1; }));
  absl::Time start = absl::Now();
  server_->shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(cancelled_.load(), 1);
  auto r = waiting.get();  // the cancelled handler's reply still went out before the close
  EXPECT_EQ(r.status(), absl::CancelledError("cancelled"));
  EXPECT_TRUE(wait_for([&] { return c->closed(); }));
  EXPECT_EQ(c->call(kSvc, "Echo", "x").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/s.sock"));
  EXPECT_FALSE(Client::connect(address_, absl::Seconds(1)).ok());
  server_->shutdown();  // idempotent
  server_->wait();      // returns at once after shutdown
}

TEST_F(TtrpcTest, StopRequestedFromAHandler) {
  auto reg = std::make_shared<ServiceRegistry>();
  Server* self = nullptr;
  ASSERT_TRUE(reg->add("s", "Shutdown",
                       [&self](const CallContext&, std::string_view) {
                         self->request_stop();
                         return absl::StatusOr<std::string>("");
                       })
                  .ok());
  Server server(reg);
  self = &server;
  const std::string addr = dir_ + "/stop.sock";  // plain path, no unix://
  ASSERT_TRUE(server.listen(addr).ok());
  auto c = Client::connect(addr);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)->call("s", "Shutdown", "").ok());
  server.wait();
  server.shutdown();
  EXPECT_FALSE(std::filesystem::exists(addr));
}

TEST_F(TtrpcTest, ListenRefusesALiveAddressAndReplacesAStaleOne) {
  Server second(std::make_shared<ServiceRegistry>());
  EXPECT_EQ(second.listen(address_).code(), absl::StatusCode::kAlreadyExists);
  const std::string stale = dir_ + "/stale.sock";
  { auto fd = listen_unix(stale); }  // closed without unlinking: a stale socket file
  ASSERT_TRUE(std::filesystem::exists(stale));
  Server third(std::make_shared<ServiceRegistry>());
  EXPECT_TRUE(third.listen(stale).ok());
  EXPECT_EQ(socket_path("tcp://1.2.3.4:5").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(socket_path(std::string(200, 'a')).status().code(), absl::StatusCode::kInvalidArgument);
}

// A hand-written server checks the client's wire behaviour: odd increasing ids, timeout_nano,
// and replies matched by id when they come back out of order.
TEST(TtrpcClient, OddIdsAndOutOfOrderReplies) {
  char tmpl[] = "/tmp/ws_ttrpc_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/fake.sock";
  auto listener = listen_unix(path);
  ASSERT_TRUE(listener.ok()) << listener.status();

  std::vector<uint32_t> ids;
  std::vector<int64_t> timeouts;
  std::thread fake([&] {
    UniqueFd conn(::accept(listener->get(), nullptr, nullptr));
    FrameDecoder d;
    std::vector<std::pair<uint32_t, std::string>> got;
    for (int i = 0; i < 3; ++i) {
      auto f = read_frame(conn.get(), d);
      if (!f) return;
      ::ttrpc::Request req;
      req.ParseFromString(f->payload);
      ids.push_back(f->header.stream_id);
      timeouts.push_back(req.timeout_nano());
      got.emplace_back(f->header.stream_id, req.payload());
    }
    for (int i = 2; i >= 0; --i) {  // answer the last first
      ::ttrpc::Response resp;
      resp.set_payload("re:" + got[static_cast<size_t>(i)].second);
      (void)write_all(conn.get(),
                      *encode_frame(got[static_cast<size_t>(i)].first, MessageType::kResponse, 0,
                                    resp.SerializeAsString()));
    }
  });

  auto c = Client::connect("unix://" + path);
  ASSERT_TRUE(c.ok()) << c.status();
  CallOptions with_timeout;
  with_timeout.timeout = absl::Seconds(2);
  std::vector<std::future<absl::StatusOr<std::string>>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      return (*c)->call("s", "m", absl::StrCat("p", i), with_timeout);
    }));
    absl::SleepFor(absl::Milliseconds(20));  // keep the send order p0, p1, p2
  }
  for (int i = 0; i < 3; ++i) {
    auto r = calls[static_cast<size_t>(i)].get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, absl::StrCat("re:p", i));
  }
  fake.join();
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, 3, 5}));
  for (int64_t t : timeouts) {
    EXPECT_GT(t, 1'000'000'000);
    EXPECT_LE(t, 2'000'000'000);
  }
  (*c)->close();
  std::filesystem::remove_all(tmpl);
}

TEST(TtrpcClient, TimeoutAlsoBoundsWritesToAPeerThatDoesNotRead) {
  char tmpl[] = "/tmp/ws_ttrpc_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/deaf.sock";
  auto listener = listen_unix(path);  // never accepts, never reads
  ASSERT_TRUE(listener.ok()) << listener.status();
  auto c = Client::connect(path);
  ASSERT_TRUE(c.ok()) << c.status();
  CallOptions opts;
  opts.timeout = absl::Milliseconds(200);
  absl::Time start = absl::Now();
  auto r = (*c)->call("s", "m", std::string(kMaxMessageSize - 1024, 'q'), opts);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE((*c)->closed());  // half a frame went out: the connection is given up
  EXPECT_EQ((*c)->call("s", "m", "", opts).status().code(), absl::StatusCode::kUnavailable);
  c->reset();
  std::filesystem::remove_all(tmpl);
}

TEST(TtrpcClient, ConnectFailsCleanly) {
  auto c = Client::connect("/tmp/ws_ttrpc_no_such_dir/none.sock", absl::Seconds(1));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable) << c.status();
}

}  // namespace
}  // namespace ws::shim::ttrpc
