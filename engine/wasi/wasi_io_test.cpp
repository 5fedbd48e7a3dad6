// Host functions that move data or wait: fd I/O and positions, fd_readdir cookies and
// truncation, poll_oneoff, sockets, interruption of blocked calls, proc_raise and clocks.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "engine/wasi/harness.h"
#include "engine/wasi/test_util.h"

namespace ws::engine::wasi {
namespace {

using testing::Harness;
using testing::kErr;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr int kOk = 0;

WasiConfig config(std::vector<PreopenDir> dirs = {}, int stdin_fd = -1) {
  WasiConfig c;
  c.dirs = std::move(dirs);
  c.stdin_fd = stdin_fd;
  c.stdout_fd = -1;
  c.stderr_fd = -1;
  return c;
}

// Parses fd_readdir output into name -> d_next; a cut-off last entry is left out.
std::map<std::string, uint64_t> parse_dirents(const uint8_t* buf, uint32_t used) {
  std::map<std::string, uint64_t> out;
  for (uint32_t at = 0; at + sizeof(Dirent) <= used;) {
    Dirent d;
    std::memcpy(&d, buf + at, sizeof(d));
    at += sizeof(d);
    if (at + d.d_namlen > used) break;
    out[std::string(reinterpret_cast<const char*>(buf + at), d.d_namlen)] = d.d_next;
    at += d.d_namlen;
  }
  return out;
}

TEST(WasiIo, ReadWriteSeekTellAndPositionedIo) {
  TempDir dir;
  Harness h(config({{"/d", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  uint32_t fd;
  uint64_t rw = rights::kFdRead | rights::kFdWrite | rights::kFdSeek | rights::kFdTell |
                rights::kFdFilestatGet | rights::kFdFilestatSetSize;
  ASSERT_EQ(h.open(3, "f", oflags::kCreat, rw, fd), kOk);
  h.put(16, "hello world");
  h.store(0, Iovec{16, 5});
  h.store(8, Iovec{21, 6});
  ASSERT_EQ(h.call("fd_write", {fd, 0, 2, 100}), kOk);
  EXPECT_EQ(h.load<uint32_t>(100), 11u);
  ASSERT_EQ(h.call("fd_tell", {fd, 104}), kOk);
  EXPECT_EQ(h.load<uint64_t>(104), 11u);
  h.put(16, "W");
  h.store(0, Iovec{16, 1});
  ASSERT_EQ(h.call("fd_pwrite", {fd, 0, 1, 6, 100}), kOk);
  ASSERT_EQ(h.call("fd_seek", {fd, static_cast<uint64_t>(-5), whence::kEnd, 104}), kOk);
  EXPECT_EQ(h.load<uint64_t>(104), 6u);
  h.store(0, Iovec{200, 64});
  ASSERT_EQ(h.call("fd_read", {fd, 0, 1, 100}), kOk);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.mem() + 200), h.load<uint32_t>(100)), "World");
  ASSERT_EQ(h.call("fd_pread", {fd, 0, 1, 0, 100}), kOk);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.mem() + 200), h.load<uint32_t>(100)),
            "hello World");
  EXPECT_EQ(h.call("fd_seek", {fd, 0, 7, 104}), kErr(Errno::kInval));
  ASSERT_EQ(h.call("fd_filestat_set_size", {fd, 5}), kOk);
  ASSERT_EQ(h.call("fd_filestat_get", {fd, 300}), kOk);
  EXPECT_EQ(h.load<Filestat>(300).size, 5u);
  EXPECT_EQ(h.load<Filestat>(300).filetype, static_cast<uint8_t>(Filetype::kRegularFile));
  EXPECT_EQ(testing::read_file(dir / "f"), "hello");
  // Renumber onto another open descriptor, then close.
  uint32_t other;
  ASSERT_EQ(h.open(3, "f", 0, rights::kFdRead, other), kOk);
  EXPECT_EQ(h.call("fd_renumber", {fd, 99}), kErr(Errno::kBadf));
  ASSERT_EQ(h.call("fd_renumber", {fd, other}), kOk);
  EXPECT_EQ(h.call("fd_tell", {fd, 104}), kErr(Errno::kBadf));
  EXPECT_EQ(h.call("fd_tell", {other, 104}), kOk);
  EXPECT_EQ(h.call("fd_close", {other}), kOk);
  EXPECT_EQ(h.call("fd_close", {other}), kErr(Errno::kBadf));
}

TEST(WasiIo, ReaddirCookiesAndTruncation) {
  TempDir dir;
  for (const char* n : {"alpha", "beta", "gamma", "delta"}) testing::write_file(dir / n, n);
  Harness h(config({{"/d", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.call("fd_readdir", {3, 1000, 4096, 0, 100}), kOk);
  uint32_t used = h.load<uint32_t>(100);
  auto all = parse_dirents(h.mem() + 1000, used);
  EXPECT_LT(used, 4096u);  // everything fit: the end of the directory
  ASSERT_EQ(all.size(), 6u);
  for (const char* n : {".", "..", "alpha", "beta", "gamma", "delta"}) EXPECT_EQ(all.count(n), 1u);
  // A buffer too small for the second entry: it is cut off and bufused == buf_len.
  uint32_t small = sizeof(Dirent) + 1 + sizeof(Dirent);
  ASSERT_EQ(h.call("fd_readdir", {3, 1000, small, 0, 100}), kOk);
  EXPECT_EQ(h.load<uint32_t>(100), small);
  Dirent first;
  std::memcpy(&first, h.mem() + 1000, sizeof(first));
  // Resuming from the first entry's cookie gives every other entry exactly once.
  ASSERT_EQ(h.call("fd_readdir", {3, 1000, 4096, first.d_next, 100}), kOk);
  auto rest = parse_dirents(h.mem() + 1000, h.load<uint32_t>(100));
  EXPECT_EQ(rest.size(), 5u);
  std::string first_name(reinterpret_cast<char*>(h.mem() + 1000 + sizeof(Dirent)), first.d_namlen);
  EXPECT_EQ(rest.count(first_name), 0u);
  // Not a directory.
  uint32_t fd;
  ASSERT_EQ(h.open(3, "alpha", 0, rights::kFdRead | rights::kFdReaddir, fd), kOk);
  EXPECT_EQ(h.call("fd_readdir", {fd, 1000, 4096, 0, 100}), kErr(Errno::kNotdir));
}

TEST(WasiIo, PathStatReadlinkAndTimes) {
  TempDir dir;
  testing::write_file(dir / "f", "12345");
  symlink("f", (dir / "l").c_str());
  Harness h(config({{"/d", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  uint32_t l = h.put(Harness::kScratch, "l");
  ASSERT_EQ(h.call("path_filestat_get", {3, 0, l, 1, 300}), kOk);
  EXPECT_EQ(h.load<Filestat>(300).filetype, static_cast<uint8_t>(Filetype::kSymbolicLink));
  ASSERT_EQ(h.call("path_filestat_get", {3, 1, l, 1, 300}), kOk);
  EXPECT_EQ(h.load<Filestat>(300).filetype, static_cast<uint8_t>(Filetype::kRegularFile));
  EXPECT_EQ(h.load<Filestat>(300).size, 5u);
  ASSERT_EQ(h.call("path_readlink", {3, l, 1, 400, 16, 100}), kOk);
  EXPECT_EQ(h.load<uint32_t>(100), 1u);
  EXPECT_EQ(h.mem()[400], 'f');
  uint32_t f = h.put(Harness::kScratch2, "f");
  EXPECT_EQ(h.call("path_readlink", {3, f, 1, 400, 16, 100}), kErr(Errno::kInval));
  // Times: explicit mtime through the symlink (followed), both-set flags are EINVAL.
  ASSERT_EQ(h.call("path_filestat_set_times", {3, 1, l, 1, 0, 1'000'000'000'000ull, 4}), kOk);
  struct stat st;
  ASSERT_EQ(stat((dir / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000);
  EXPECT_EQ(h.call("path_filestat_set_times", {3, 1, l, 1, 0, 0, 4 | 8}), kErr(Errno::kInval));
  // mkdir, rmdir, unlink and their errors.
  uint32_t d = h.put(Harness::kScratch, "sub/");
  ASSERT_EQ(h.call("path_create_directory", {3, d, 4}), kOk);
  EXPECT_EQ(h.call("path_create_directory", {3, d, 4}), kErr(Errno::kExist));
  EXPECT_EQ(h.call("path_unlink_file", {3, d, 4}), kErr(Errno::kIsdir));
  EXPECT_EQ(h.call("path_remove_directory", {3, f, 1}), kErr(Errno::kNotdir));
  EXPECT_EQ(h.call("path_remove_directory", {3, d, 4}), kOk);
  EXPECT_EQ(h.call("path_unlink_file", {3, f, 1}), kOk);
  EXPECT_FALSE(testing::exists(dir / "f"));
}

TEST(WasiIo, PollClocksAndDescriptors) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Harness h(config({}, p[0]));
  close(p[0]);
  ASSERT_TRUE(h.ok());
  Subscription s[3] = {};
  s[0].userdata = 7;
  s[0].tag = eventtype::kClock;
  s[0].u.clock.id = clockid::kMonotonic;
  s[0].u.clock.timeout = 30'000'000;  // 30 ms, relative
  h.store(0, s[0]);
  auto t0 = Clock::now();
  ASSERT_EQ(h.call("poll_oneoff", {0, 1000, 1, 100}), kOk);
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(30));
  ASSERT_EQ(h.load<uint32_t>(100), 1u);
  Event ev = h.load<Event>(1000);
  EXPECT_EQ(ev.userdata, 7u);
  EXPECT_EQ(ev.type, eventtype::kClock);
  // An absolute realtime deadline in the past fires at once.
  s[0].u.clock.id = clockid::kRealtime;
  s[0].u.clock.flags = kSubscriptionClockAbstime;
  s[0].u.clock.timeout = 1;
  h.store(0, s[0]);
  ASSERT_EQ(h.call("poll_oneoff", {0, 1000, 1, 100}), kOk);
  EXPECT_EQ(h.load<uint32_t>(100), 1u);
  // stdin readable (3 bytes) and stdout writable, with a long clock: two fd events.
  ASSERT_EQ(write(p[1], "abc", 3), 3);
  s[0].u.clock.id = clockid::kMonotonic;
  s[0].u.clock.flags = 0;
  s[0].u.clock.timeout = 10'000'000'000ull;
  s[1].userdata = 1;
  s[1].tag = eventtype::kFdRead;
  s[1].u.fd_readwrite.fd = 0;
  s[2].userdata = 2;
  s[2].tag = eventtype::kFdWrite;
  s[2].u.fd_readwrite.fd = 1;
  for (int i = 0; i < 3; ++i) h.store(i * sizeof(Subscription), s[i]);
  t0 = Clock::now();
  ASSERT_EQ(h.call("poll_oneoff", {0, 1000, 3, 100}), kOk);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  ASSERT_EQ(h.load<uint32_t>(100), 2u);
  Event e1 = h.load<Event>(1000), e2 = h.load<Event>(1000 + sizeof(Event));
  EXPECT_EQ(e1.userdata, 1u);
  EXPECT_EQ(e1.nbytes, 3u);
  EXPECT_EQ(e2.userdata, 2u);
  EXPECT_EQ(e2.type, eventtype::kFdWrite);
  // A bad descriptor is an event carrying EBADF; zero subscriptions are EINVAL.
  s[1].u.fd_readwrite.fd = 77;
  h.store(sizeof(Subscription), s[1]);
  ASSERT_EQ(h.call("poll_oneoff", {sizeof(Subscription), 1000, 1, 100}), kOk);
  EXPECT_EQ(h.load<Event>(1000).error, kErr(Errno::kBadf));
  EXPECT_EQ(h.call("poll_oneoff", {0, 1000, 0, 100}), kErr(Errno::kInval));
  close(p[1]);
}

TEST(WasiIo, InterruptEndsABlockedRead) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Harness h(config({}, p[0]));
  close(p[0]);
  ASSERT_TRUE(h.ok());
  h.store(0, Iovec{100, 10});
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    h.store().interrupt();
  });
  auto t0 = Clock::now();
  Outcome o = h.invoke("fd_read", {0, 0, 1, 200});
  stopper.join();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  // The host call returns EINTR; the wrapper may then stop at its own interrupt check.
  EXPECT_TRUE((o.returned() && raw_as_i32(o.results[0]) == kErr(Errno::kIntr)) ||
              (o.trapped() && o.trap.code == TrapCode::kInterrupted));
  close(p[1]);
}

// A signal that interrupts a blocked call without Store::interrupt is retried: the guest never
// sees EINTR and gets its data.
TEST(WasiIo, HostSignalsAreRetried) {
  struct sigaction sa = {}, old;
  sa.sa_handler = [](int) {};
  sigaction(SIGUSR1, &sa, &old);  // no SA_RESTART: poll and read fail with EINTR
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Harness h(config({}, p[0]));
  close(p[0]);
  ASSERT_TRUE(h.ok());
  h.store(0, Iovec{100, 10});
  pthread_t self = pthread_self();
  std::thread poker([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      pthread_kill(self, SIGUSR1);
    }
    ASSERT_EQ(write(p[1], "data", 4), 4);
  });
  int e = h.call("fd_read", {0, 0, 1, 200});
  poker.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(e, kOk);
  EXPECT_EQ(h.load<uint32_t>(200), 4u);
  close(p[1]);
}

TEST(WasiIo, SocketsAcceptRecvSendShutdown) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  TempDir dir;
  WasiConfig c = config({{"/d", dir.path(), false, ResolveMode::kBeneath}});
  c.listen_sockets = {listener};
  Harness h(c);
  close(listener);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.call("fd_prestat_get", {4, 100}), kErr(Errno::kBadf));  // not a preopen
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(write(client, "ping", 4), 4);
  ASSERT_EQ(h.call("sock_accept", {4, 0, 100}), kOk);
  uint32_t conn = h.load<uint32_t>(100);
  EXPECT_EQ(h.call("sock_accept", {3, 0, 100}), kErr(Errno::kNotcapable));
  h.store(0, Iovec{200, 16});
  ASSERT_EQ(h.call("sock_recv", {conn, 0, 1, 0, 104, 108}), kOk);
  EXPECT_EQ(h.load<uint32_t>(104), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.mem() + 200), 4), "ping");
  h.put(200, "pong");
  h.store(0, Iovec{200, 4});
  ASSERT_EQ(h.call("sock_send", {conn, 0, 1, 0, 104}), kOk);
  char buf[8] = {};
  ASSERT_EQ(read(client, buf, sizeof(buf)), 4);
  EXPECT_STREQ(buf, "pong");
  EXPECT_EQ(h.call("sock_shutdown", {conn, 0}), kErr(Errno::kInval));
  ASSERT_EQ(h.call("sock_shutdown", {conn, sdflags::kWr}), kOk);
  EXPECT_EQ(read(client, buf, sizeof(buf)), 0);  // the peer sees end of stream
  ASSERT_EQ(h.call("fd_fdstat_get", {conn, 300}), kOk);
  EXPECT_EQ(h.load<Fdstat>(300).fs_filetype, static_cast<uint8_t>(Filetype::kSocketStream));
  close(client);
  // After the peer left, sending is EPIPE (and the host survives: no SIGPIPE).
  int rc = 0;
  for (int i = 0; i < 3 && rc == kOk; ++i) rc = h.call("sock_send", {conn, 0, 1, 0, 104});
  EXPECT_TRUE(rc == kErr(Errno::kPipe) || rc == kErr(Errno::kConnreset)) << rc;
}

TEST(WasiIo, WriteToAClosedPipeIsEpipeNotSigpipe) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  WasiConfig c = config();
  c.stdout_fd = p[1];
  Harness h(c);
  close(p[1]);
  close(p[0]);
  ASSERT_TRUE(h.ok());
  h.store(0, Iovec{100, 4});
  EXPECT_EQ(h.call("fd_write", {1, 0, 1, 200}), kErr(Errno::kPipe));
}

// Opening a FIFO without a writer does not hang the host; the descriptor is blocking again.
TEST(WasiIo, OpeningAFifoDoesNotBlock) {
  TempDir dir;
  ASSERT_EQ(mkfifo((dir / "fifo").c_str(), 0600), 0);
  Harness h(config({{"/d", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  uint32_t fd;
  auto t0 = Clock::now();
  ASSERT_EQ(h.open(3, "fifo", 0, rights::kFdRead, fd), kOk);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  ASSERT_EQ(h.call("fd_fdstat_get", {fd, 100}), kOk);
  EXPECT_EQ(h.load<Fdstat>(100).fs_flags & fdflags::kNonblock, 0);
  EXPECT_EQ(h.open(3, "fifo", 0, rights::kFdWrite, fd, 1, fdflags::kNonblock), kOk);  // reader
  ASSERT_EQ(h.call("fd_fdstat_get", {fd, 100}), kOk);
  EXPECT_NE(h.load<Fdstat>(100).fs_flags & fdflags::kNonblock, 0);
}

TEST(WasiIo, StdioKindsAndRights) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Harness h(config({}, p[0]));  // stdin a pipe, stdout and stderr /dev/null
  close(p[0]);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.call("fd_seek", {0, 0, whence::kCur, 100}), kErr(Errno::kSpipe));
  ASSERT_EQ(h.call("fd_fdstat_get", {1, 100}), kOk);
  Fdstat st = h.load<Fdstat>(100);
  EXPECT_EQ(st.fs_filetype, static_cast<uint8_t>(Filetype::kCharacterDevice));
  EXPECT_EQ(st.fs_rights_base & (rights::kFdSeek | rights::kFdTell), 0u);  // isatty() shape
  EXPECT_NE(st.fs_rights_base & rights::kFdWrite, 0u);
  h.store(0, Iovec{16, 4});
  ASSERT_EQ(h.call("fd_write", {1, 0, 1, 100}), kOk);
  EXPECT_EQ(h.load<uint32_t>(100), 4u);
  close(p[1]);
}

TEST(WasiIo, ProcRaiseClocksAndRandom) {
  Harness h(config());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.call("proc_raise", {0}), kOk);
  EXPECT_EQ(h.call("proc_raise", {16}), kOk);                   // SIGCHLD: ignored by default
  EXPECT_EQ(h.call("proc_raise", {18}), kErr(Errno::kNotsup));  // SIGSTOP
  EXPECT_EQ(h.call("proc_raise", {31}), kErr(Errno::kInval));
  Outcome o = h.invoke("proc_raise", {15});  // SIGTERM
  EXPECT_TRUE(o.exited());
  EXPECT_EQ(o.exit_code, 128 + 15);
  o = h.invoke("proc_exit", {3});
  EXPECT_TRUE(o.exited());
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(h.call("sched_yield", {}), kOk);
  for (uint32_t id = 0; id < 4; ++id) {
    EXPECT_EQ(h.call("clock_res_get", {id, 100}), kOk) << id;
    EXPECT_GT(h.load<uint64_t>(100), 0u);
    EXPECT_EQ(h.call("clock_time_get", {id, 1, 100}), kOk) << id;
  }
  EXPECT_EQ(h.call("clock_time_get", {0, 1, 100}), kOk);
  EXPECT_GT(h.load<uint64_t>(100), 1'700'000'000'000'000'000ull);  // after 2023
  EXPECT_EQ(h.call("clock_res_get", {4, 100}), kErr(Errno::kInval));
  std::memset(h.mem() + 1000, 0, 64);
  ASSERT_EQ(h.call("random_get", {1000, 64}), kOk);
  int zeros = 0;
  for (int i = 0; i < 64; ++i) zeros += h.mem()[1000 + i] == 0;
  EXPECT_LT(zeros, 16);
}

}  // namespace
}  // namespace ws::engine::wasi
