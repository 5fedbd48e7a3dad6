// Wasm artifacts: the module of an image without tar layers lands in the container's rootfs,
// checked against its digest; ordinary images and rootfs that hold the entry are left alone.
#include "shim/runtime/wasm_artifact.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "support/sha256.h"

namespace ws::shim {
namespace {

namespace fs = std::filesystem;

const std::string kModule("\0asm\x01\0\0\0", 8);

std::string digest(const std::string& data) { return "sha256:" + support::sha256_hex(data); }

std::string manifest(const std::string& layer_type, const std::string& layer) {
  return R"({"layers":[{"mediaType":")" + layer_type + R"(","digest":")" + digest(layer) +
         R"(","size":)" + std::to_string(layer.size()) + "}]}";
}

class FakeImages : public ImageContent {
 public:
  absl::StatusOr<std::string> container_image(const std::string& id) override {
    ++calls;
    return id == "c1" ? "docker.io/x/app:1" : "";
  }
  absl::StatusOr<oci::Descriptor> image_target(const std::string&) override {
    return oci::Descriptor{target_type, digest(blobs[target_key]),
                           static_cast<int64_t>(blobs[target_key].size())};
  }
  absl::StatusOr<std::string> read_blob(const std::string& d, int64_t max) override {
    for (auto& [key, data] : blobs) {
      if (digest(data) != d) continue;
      if (static_cast<int64_t>(data.size()) > max) return absl::FailedPreconditionError("big");
      return key == "module" ? served_module : data;
    }
    return absl::NotFoundError(d + ": not found");
  }

  absl::Status stream_blob(const std::string& d, int64_t max,
                           const std::function<absl::Status(absl::string_view)>& sink) override {
    if (!fail_midway) return ImageContent::stream_blob(d, max, sink);
    if (absl::Status s = sink(absl::string_view(served_module).substr(0, 4)); !s.ok()) return s;
    return absl::UnavailableError("containerd: content: connection reset");
  }

  std::map<std::string, std::string> blobs;
  bool fail_midway = false;
  std::string target_key = "manifest";
  std::string target_type = "application/vnd.oci.image.manifest.v1+json";
  std::string served_module = kModule;
  int calls = 0;
};

class WasmArtifactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-artifact-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    rootfs_ = dir_ + "/rootfs";
    fs::create_directories(rootfs_);
    spec_.process.emplace();
    spec_.process->args = {"app.wasm", "x"};
    spec_.process->env = {"PATH=/usr/bin:/bin"};
    images_.blobs["module"] = kModule;
    images_.blobs["manifest"] = manifest("application/wasm", kModule);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_, rootfs_;
  oci::Spec spec_;
  FakeImages images_;
};

TEST_F(WasmArtifactTest, TheModuleIsWrittenAtTheEntryPath) {
  ASSERT_TRUE(materialise_wasm_artifact(images_, "c1", spec_, rootfs_).ok());
  EXPECT_EQ(read(rootfs_ + "/usr/bin/app.wasm"), kModule);
  struct stat st;
  ASSERT_EQ(::stat((rootfs_ + "/usr/bin/app.wasm").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(WasmArtifactTest, TheModuleIsRenamedIntoPlaceWithNoTemporaryLeft) {
  fs::create_directories(rootfs_ + "/usr");
  fs::create_symlink("bin", rootfs_ + "/usr/sbin");  // unrelated; /usr/bin is made
  ASSERT_TRUE(materialise_wasm_artifact(images_, "c1", spec_, rootfs_).ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(rootfs_ + "/usr/bin")) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"app.wasm"});
}

TEST_F(WasmArtifactTest, AReadFailingMidwayLeavesNoFileBehind) {
  images_.fail_midway = true;
  absl::Status s = materialise_wasm_artifact(images_, "c1", spec_, rootfs_);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_NE(s.message().find("connection reset"), std::string::npos) << s;
  ASSERT_TRUE(fs::is_directory(rootfs_ + "/usr/bin"));
  EXPECT_TRUE(fs::is_empty(rootfs_ + "/usr/bin"));
}

TEST_F(WasmArtifactTest, ALayerOverTheSizeLimitIsRefusedBeforeReading) {
  images_.blobs["manifest"] = R"({"layers":[{"mediaType":"application/wasm","digest":")" +
                              digest(kModule) + R"(","size":4294967296}]})";
  absl::Status s = materialise_wasm_artifact(images_, "c1", spec_, rootfs_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("over the limit"), std::string::npos) << s;
  EXPECT_FALSE(fs::exists(rootfs_ + "/usr/bin/app.wasm"));
}

TEST_F(WasmArtifactTest, AnIndexPicksTheWasiManifest) {
  std::string m = images_.blobs["manifest"];
  images_.blobs["index"] = R"({"manifests":[{"mediaType":"m","digest":")" + digest("other") +
                           R"(","size":5,"platform":{"os":"linux","architecture":"amd64"}},)" +
                           R"({"mediaType":"m","digest":")" + digest(m) + R"(","size":)" +
                           std::to_string(m.size()) +
                           R"(,"platform":{"os":"wasi","architecture":"wasm"}}]})";
  images_.target_key = "index";
  images_.target_type = "application/vnd.oci.image.index.v1+json";
  spec_.process->args = {"/app.wasm"};
  ASSERT_TRUE(materialise_wasm_artifact(images_, "c1", spec_, rootfs_).ok());
  EXPECT_EQ(read(rootfs_ + "/app.wasm"), kModule);
}

TEST_F(WasmArtifactTest, ARootfsHoldingTheEntryIsLeftAlone) {
  fs::create_directories(rootfs_ + "/bin");
  std::ofstream(rootfs_ + "/bin/app.wasm") << "mine";
  ASSERT_TRUE(materialise_wasm_artifact(images_, "c1", spec_, rootfs_).ok());
  EXPECT_EQ(read(rootfs_ + "/bin/app.wasm"), "mine");
  EXPECT_EQ(images_.calls, 0);
}

TEST_F(WasmArtifactTest, OrdinaryImagesAndContainersWithoutImageAreLeftAlone) {
  images_.blobs["manifest"] = manifest("application/vnd.oci.image.layer.v1.tar", "tar");
  ASSERT_TRUE(materialise_wasm_artifact(images_, "c1", spec_, rootfs_).ok());
  ASSERT_TRUE(materialise_wasm_artifact(images_, "no-image", spec_, rootfs_).ok());
  EXPECT_TRUE(fs::is_empty(rootfs_));
}

TEST_F(WasmArtifactTest, AModuleThatDoesNotMatchItsDigestIsRefused) {
  images_.served_module = std::string("\0asm\x01\0\0\x01", 8);
  absl::Status s = materialise_wasm_artifact(images_, "c1", spec_, rootfs_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("does not match its digest"), std::string::npos) << s;
  EXPECT_FALSE(fs::exists(rootfs_ + "/usr/bin/app.wasm"));
}

TEST_F(WasmArtifactTest, HostileLinksNeverLeadTheModuleOutOfTheRoot) {
  fs::create_directories(dir_ + "/outside");
  fs::create_directories(rootfs_ + "/usr");
  for (const std::string& target : {dir_ + "/outside", std::string("../../../../outside")}) {
    SCOPED_TRACE(target);
    fs::remove(rootfs_ + "/usr/bin");
    fs::create_symlink(target, rootfs_ + "/usr/bin");  // resolves inside the root, to nothing
    absl::Status s = materialise_wasm_artifact(images_, "c1", spec_, rootfs_);
    EXPECT_TRUE(fs::is_empty(dir_ + "/outside"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("process.args[0] \"app.wasm\""), std::string::npos) << s;
    EXPECT_NE(s.message().find("Wasm artifact docker.io/x/app:1: write the module to "
                               "/usr/bin/app.wasm"),
              std::string::npos)
        << s;
  }
}

}  // namespace
}  // namespace ws::shim
