// libarchive writer and reader over memory buffers.
#include "tools/wasm-oci/tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace ws::tools {
namespace {

struct WriterDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t append(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

absl::Status archive_error(archive* a, const std::string& what) {
  const char* why = archive_error_string(a);
  return absl::InternalError(absl::StrCat(what, ": ", why ? why : "libarchive error"));
}

}  // namespace

absl::StatusOr<std::string> write_tar(const std::vector<TarEntry>& entries, bool gzip) {
  std::unique_ptr<archive, WriterDeleter> a(archive_write_new());
  std::string out;
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK) {
    return archive_error(a.get(), "tar format");
  }
  if (gzip) {
    if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
        archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK) {
      return archive_error(a.get(), "gzip filter");
    }
  }
  // Whole blocks as they are made; the last block padded like GNU tar's default.
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &out, nullptr, append, nullptr) != ARCHIVE_OK) {
    return archive_error(a.get(), "open the tar writer");
  }
  for (const TarEntry& e : entries) {
    std::unique_ptr<archive_entry, EntryDeleter> h(archive_entry_new());
    std::string name = e.kind == TarEntry::Kind::kDirectory ? e.path + "/" : e.path;
    archive_entry_set_pathname(h.get(), name.c_str());
    archive_entry_set_mtime(h.get(), 0, 0);
    archive_entry_set_uid(h.get(), 0);
    archive_entry_set_gid(h.get(), 0);
    switch (e.kind) {
      case TarEntry::Kind::kFile:
        archive_entry_set_filetype(h.get(), AE_IFREG);
        archive_entry_set_size(h.get(), static_cast<la_int64_t>(e.data.size()));
        break;
      case TarEntry::Kind::kDirectory:
        archive_entry_set_filetype(h.get(), AE_IFDIR);
        archive_entry_set_size(h.get(), 0);
        break;
      case TarEntry::Kind::kSymlink:
        archive_entry_set_filetype(h.get(), AE_IFLNK);
        archive_entry_set_symlink(h.get(), e.data.c_str());
        archive_entry_set_size(h.get(), 0);
        break;
    }
    archive_entry_set_perm(h.get(), e.mode & 07777);
    if (archive_write_header(a.get(), h.get()) != ARCHIVE_OK) {
      return archive_error(a.get(), absl::StrCat("tar header of ", e.path));
    }
    if (e.kind == TarEntry::Kind::kFile && !e.data.empty() &&
        archive_write_data(a.get(), e.data.data(), e.data.size()) !=
            static_cast<la_ssize_t>(e.data.size())) {
      return archive_error(a.get(), absl::StrCat("tar data of ", e.path));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return archive_error(a.get(), "close the tar");
  return out;
}

absl::StatusOr<std::vector<TarEntry>> read_tar(const std::string& bytes) {
  std::unique_ptr<archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_none(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a tar archive: ", archive_error_string(a.get())));
  }
  std::vector<TarEntry> out;
  archive_entry* h;
  int r;
  while ((r = archive_read_next_header(a.get(), &h)) == ARCHIVE_OK) {
    TarEntry e;
    e.path = archive_entry_pathname(h);
    if (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
    e.mode = archive_entry_perm(h);
    switch (archive_entry_filetype(h)) {
      case AE_IFDIR:
        e.kind = TarEntry::Kind::kDirectory;
        break;
      case AE_IFLNK:
        e.kind = TarEntry::Kind::kSymlink;
        e.data = archive_entry_symlink(h) ? archive_entry_symlink(h) : "";
        break;
      default:
        e.kind = TarEntry::Kind::kFile;
        e.data.resize(static_cast<size_t>(archive_entry_size(h)));
        if (!e.data.empty() && archive_read_data(a.get(), e.data.data(), e.data.size()) !=
                                   static_cast<la_ssize_t>(e.data.size())) {
          return absl::InvalidArgumentError(absl::StrCat("tar: short data for ", e.path));
        }
        break;
    }
    e.mtime = archive_entry_mtime(h);
    e.uid = archive_entry_uid(h);
    e.gid = archive_entry_gid(h);
    out.push_back(std::move(e));
  }
  if (r != ARCHIVE_EOF) {
    return absl::InvalidArgumentError(absl::StrCat("tar: ", archive_error_string(a.get())));
  }
  return out;
}

}  // namespace ws::tools
