// The wasi_snapshot_preview1 ABI: errno values, rights, flags and the exact guest struct layouts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ws::engine::wasi {

// WASI errno values (preview1 numbering, which differs from Linux's).
enum class Errno : uint16_t {
  kSuccess = 0,
  k2big = 1,
  kAcces = 2,
  kAddrinuse = 3,
  kAddrnotavail = 4,
  kAfnosupport = 5,
  kAgain = 6,
  kAlready = 7,
  kBadf = 8,
  kBadmsg = 9,
  kBusy = 10,
  kCanceled = 11,
  kChild = 12,
  kConnaborted = 13,
  kConnrefused = 14,
  kConnreset = 15,
  kDeadlk = 16,
  kDestaddrreq = 17,
  kDom = 18,
  kDquot = 19,
  kExist = 20,
  kFault = 21,
  kFbig = 22,
  kHostunreach = 23,
  kIdrm = 24,
  kIlseq = 25,
  kInprogress = 26,
  kIntr = 27,
  kInval = 28,
  kIo = 29,
  kIsconn = 30,
  kIsdir = 31,
  kLoop = 32,
  kMfile = 33,
  kMlink = 34,
  kMsgsize = 35,
  kMultihop = 36,
  kNametoolong = 37,
  kNetdown = 38,
  kNetreset = 39,
  kNetunreach = 40,
  kNfile = 41,
  kNobufs = 42,
  kNodev = 43,
  kNoent = 44,
  kNoexec = 45,
  kNolck = 46,
  kNolink = 47,
  kNomem = 48,
  kNomsg = 49,
  kNoprotoopt = 50,
  kNospc = 51,
  kNosys = 52,
  kNotconn = 53,
  kNotdir = 54,
  kNotempty = 55,
  kNotrecoverable = 56,
  kNotsock = 57,
  kNotsup = 58,
  kNotty = 59,
  kNxio = 60,
  kOverflow = 61,
  kOwnerdead = 62,
  kPerm = 63,
  kPipe = 64,
  kProto = 65,
  kProtonosupport = 66,
  kPrototype = 67,
  kRange = 68,
  kRofs = 69,
  kSpipe = 70,
  kSrch = 71,
  kStale = 72,
  kTimedout = 73,
  kTxtbsy = 74,
  kXdev = 75,
  kNotcapable = 76,
};

// Rights (bit numbers fixed by the ABI).
namespace rights {
inline constexpr uint64_t kFdDatasync = 1ull << 0;
inline constexpr uint64_t kFdRead = 1ull << 1;
inline constexpr uint64_t kFdSeek = 1ull << 2;
inline constexpr uint64_t kFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kFdSync = 1ull << 4;
inline constexpr uint64_t kFdTell = 1ull << 5;
inline constexpr uint64_t kFdWrite = 1ull << 6;
inline constexpr uint64_t kFdAdvise = 1ull << 7;
inline constexpr uint64_t kFdAllocate = 1ull << 8;
inline constexpr uint64_t kPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kPathCreateFile = 1ull << 10;
inline constexpr uint64_t kPathLinkSource = 1ull << 11;
inline constexpr uint64_t kPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kPathOpen = 1ull << 13;
inline constexpr uint64_t kFdReaddir = 1ull << 14;
inline constexpr uint64_t kPathReadlink = 1ull << 15;
inline constexpr uint64_t kPathRenameSource = 1ull << 16;
inline constexpr uint64_t kPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kPathSymlink = 1ull << 24;
inline constexpr uint64_t kPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kSockShutdown = 1ull << 28;
inline constexpr uint64_t kSockAccept = 1ull << 29;
inline constexpr uint64_t kAll = (1ull << 30) - 1;

// Rights that modify the file system or file contents: a read-only preopen never grants them.
inline constexpr uint64_t kWrites =
    kFdDatasync | kFdWrite | kFdAllocate | kPathCreateDirectory | kPathCreateFile |
    kPathLinkSource | kPathLinkTarget | kPathRenameSource | kPathRenameTarget |
    kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatSetSize | kFdFilestatSetTimes |
    kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile;
// Rights of a plain (non-directory) descriptor such as stdio.
inline constexpr uint64_t kStdio = kFdDatasync | kFdRead | kFdSeek | kFdFdstatSetFlags | kFdSync |
                                   kFdTell | kFdWrite | kFdAdvise | kFdAllocate | kFdFilestatGet |
                                   kFdFilestatSetSize | kFdFilestatSetTimes | kPollFdReadwrite;
inline constexpr uint64_t kSocket =
    kFdRead | kFdWrite | kFdFdstatSetFlags | kFdFilestatGet | kPollFdReadwrite | kSockShutdown;
}  // namespace rights

enum class Filetype : uint8_t {
  kUnknown = 0,
  kBlockDevice = 1,
  kCharacterDevice = 2,
  kDirectory = 3,
  kRegularFile = 4,
  kSocketDgram = 5,
  kSocketStream = 6,
  kSymbolicLink = 7,
};

namespace fdflags {
inline constexpr uint16_t kAppend = 1, kDsync = 2, kNonblock = 4, kRsync = 8, kSync = 16;
inline constexpr uint16_t kAll = 31;
}  // namespace fdflags
namespace oflags {
inline constexpr uint16_t kCreat = 1, kDirectory = 2, kExcl = 4, kTrunc = 8;
inline constexpr uint16_t kAll = 15;
}  // namespace oflags
namespace lookupflags {
inline constexpr uint32_t kSymlinkFollow = 1;
}
namespace fstflags {
inline constexpr uint16_t kAtim = 1, kAtimNow = 2, kMtim = 4, kMtimNow = 8;
}
namespace whence {
inline constexpr uint8_t kSet = 0, kCur = 1, kEnd = 2;
}
namespace clockid {
inline constexpr uint32_t kRealtime = 0, kMonotonic = 1, kProcessCputime = 2, kThreadCputime = 3;
}
namespace eventtype {
inline constexpr uint8_t kClock = 0, kFdRead = 1, kFdWrite = 2;
}
inline constexpr uint16_t kEventFdReadwriteHangup = 1;
inline constexpr uint16_t kSubscriptionClockAbstime = 1;
namespace riflags {
inline constexpr uint16_t kRecvPeek = 1, kRecvWaitall = 2;
}
inline constexpr uint16_t kRoflagsRecvDataTruncated = 1;
namespace sdflags {
inline constexpr uint8_t kRd = 1, kWr = 2;
}
inline constexpr uint8_t kPreopentypeDir = 0;
inline constexpr uint8_t kSignalMax = 30;  // SIGNAL_NONE = 0 .. SIGNAL_SYS = 30

// Guest structs. wasm32 aligns u64 to 8 like x86-64, so these host structs have the guest's
// layout byte for byte (checked below); they are copied to and from guest memory with memcpy.
struct Iovec {
  uint32_t buf;
  uint32_t buf_len;
};
struct Fdstat {
  uint8_t fs_filetype;
  uint8_t pad0;
  uint16_t fs_flags;
  uint32_t pad1;
  uint64_t fs_rights_base;
  uint64_t fs_rights_inheriting;
};
struct Filestat {
  uint64_t dev, ino;
  uint8_t filetype;
  uint8_t pad[7];
  uint64_t nlink, size, atim, mtim, ctim;
};
struct Dirent {
  uint64_t d_next, d_ino;
  uint32_t d_namlen;
  uint8_t d_type;
  uint8_t pad[3];
};
struct Prestat {
  uint8_t tag;
  uint8_t pad[3];
  uint32_t pr_name_len;
};
struct Subscription {
  uint64_t userdata;
  uint8_t tag;  // eventtype
  uint8_t pad[7];
  union {
    struct {
      uint32_t id;
      uint32_t pad;
      uint64_t timeout, precision;
      uint16_t flags;
      uint8_t pad2[6];
    } clock;
    struct {
      uint32_t fd;
    } fd_readwrite;
  } u;
};
struct Event {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint8_t pad[5];
  uint64_t nbytes;
  uint16_t flags;
  uint8_t pad2[6];
};

static_assert(sizeof(Iovec) == 8 && offsetof(Iovec, buf_len) == 4);
static_assert(sizeof(Fdstat) == 24 && offsetof(Fdstat, fs_flags) == 2 &&
              offsetof(Fdstat, fs_rights_base) == 8 &&
              offsetof(Fdstat, fs_rights_inheriting) == 16);
static_assert(sizeof(Filestat) == 64 && offsetof(Filestat, filetype) == 16 &&
              offsetof(Filestat, nlink) == 24 && offsetof(Filestat, size) == 32 &&
              offsetof(Filestat, atim) == 40 && offsetof(Filestat, mtim) == 48 &&
              offsetof(Filestat, ctim) == 56);
static_assert(sizeof(Dirent) == 24 && offsetof(Dirent, d_ino) == 8 &&
              offsetof(Dirent, d_namlen) == 16 && offsetof(Dirent, d_type) == 20);
static_assert(sizeof(Prestat) == 8 && offsetof(Prestat, pr_name_len) == 4);
static_assert(sizeof(Subscription) == 48 && offsetof(Subscription, tag) == 8 &&
              offsetof(Subscription, u) == 16 && offsetof(Subscription, u.clock.timeout) == 24 &&
              offsetof(Subscription, u.clock.precision) == 32 &&
              offsetof(Subscription, u.clock.flags) == 40);
static_assert(sizeof(Event) == 32 && offsetof(Event, error) == 8 && offsetof(Event, type) == 10 &&
              offsetof(Event, nbytes) == 16 && offsetof(Event, flags) == 24);

}  // namespace ws::engine::wasi
