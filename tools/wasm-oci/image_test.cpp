// wasm-oci: archives are valid image layouts, reproducible, and refuse bad input.
#include "tools/wasm-oci/image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/sha256.h"
#include "tools/wasm-oci/options.h"

namespace ws::tools {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The smallest module with a body: (module (func (export "_start")))
const std::string kModule(
    "\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0\x07\x0a\x01\x06_start\0\0"
    "\x0a\x04\x01\x02\0\x0b",
    36);

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-wasm-oci-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& data) {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
    return p.string();
  }

  ImageInput input() {
    ImageInput in;
    in.module_file = write("app.wasm", kModule);
    in.module_path = "/app.wasm";
    in.adds.push_back({WS_EXAMPLE_DOCROOT, "/docroot"});
    in.env = {"PATH=/", "GREETING=hi"};
    in.cmd = {"arg1"};
    in.labels = {{"org.example", "yes"}};
    in.ref = "wasmshim/test:1";
    in.workdir = "/docroot";
    return in;
  }

  fs::path dir_;
};

std::map<std::string, std::string> files_of(const std::string& archive) {
  absl::StatusOr<std::vector<TarEntry>> entries = read_tar(archive);
  EXPECT_TRUE(entries.ok()) << entries.status();
  std::map<std::string, std::string> out;
  if (!entries.ok()) return out;
  for (const TarEntry& e : *entries) {
    EXPECT_EQ(e.mtime, 0) << e.path;
    EXPECT_EQ(e.uid, 0) << e.path;
    if (e.kind == TarEntry::Kind::kFile) out[e.path] = e.data;
  }
  return out;
}

std::string blob(const std::map<std::string, std::string>& files, const Json& desc) {
  std::string digest = desc["digest"];
  auto it = files.find("blobs/sha256/" + digest.substr(7));
  EXPECT_NE(it, files.end()) << digest;
  if (it == files.end()) return "";
  EXPECT_EQ("sha256:" + support::sha256_hex(it->second), digest);
  EXPECT_EQ(it->second.size(), desc["size"].get<size_t>());
  return it->second;
}

TEST_F(ImageTest, OciLayoutIsCompleteAndConsistent) {
  absl::StatusOr<BuiltImage> img = build_image(input(), ImageFormat::kOci);
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->ref, "docker.io/wasmshim/test:1");
  auto files = files_of(img->archive);
  ASSERT_TRUE(files.count("oci-layout"));
  EXPECT_FALSE(files.count("manifest.json"));
  Json index = Json::parse(files["index.json"]);
  ASSERT_EQ(index["manifests"].size(), 1u);
  const Json& md = index["manifests"][0];
  EXPECT_EQ(md["platform"]["os"], "wasi");
  EXPECT_EQ(md["platform"]["architecture"], "wasm");
  EXPECT_EQ(md["annotations"]["io.containerd.image.name"], "docker.io/wasmshim/test:1");
  EXPECT_EQ(md["annotations"]["org.opencontainers.image.ref.name"], "1");
  EXPECT_EQ(md["digest"], img->manifest_digest);
  Json manifest = Json::parse(blob(files, md));
  Json config = Json::parse(blob(files, manifest["config"]));
  ASSERT_EQ(manifest["layers"].size(), 1u);
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
  std::string layer = blob(files, manifest["layers"][0]);
  ASSERT_GE(layer.size(), 10u);
  EXPECT_EQ(layer.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(layer.substr(4, 4), std::string(4, '\0')) << "gzip header carries a timestamp";
  EXPECT_EQ(config["os"], "wasi");
  EXPECT_EQ(config["config"]["Entrypoint"], Json::array({"/app.wasm"}));
  EXPECT_EQ(config["config"]["Cmd"], Json::array({"arg1"}));
  EXPECT_EQ(config["config"]["Env"], Json::array({"PATH=/", "GREETING=hi"}));
  EXPECT_EQ(config["config"]["Labels"]["org.example"], "yes");
  EXPECT_FALSE(config["history"][0].contains("empty_layer"));
  EXPECT_EQ(config["config"]["WorkingDir"], "/docroot");
  // diff_id: the digest of the uncompressed layer.
  absl::StatusOr<std::vector<TarEntry>> entries = read_tar(layer);
  ASSERT_TRUE(entries.ok()) << entries.status();
  absl::StatusOr<std::string> plain = write_tar(*entries, false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(config["rootfs"]["diff_ids"][0], "sha256:" + support::sha256_hex(*plain));
  std::vector<std::string> paths;
  for (const TarEntry& e : *entries) paths.push_back(e.path);
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  std::vector<std::string> want = {"app.wasm", "docroot", "docroot/assets", "docroot/hello.txt",
                                   "docroot/index.html"};
  for (const std::string& w : want) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), w), paths.end()) << w;
  }
  EXPECT_EQ((*entries)[0].path, "app.wasm");
  EXPECT_EQ((*entries)[0].data, kModule);
  EXPECT_EQ((*entries)[0].mode, 0755u);
}

TEST_F(ImageTest, SameInputsSameBytesWhateverTheMtimes) {
  ImageInput in = input();
  absl::StatusOr<BuiltImage> a = build_image(in, ImageFormat::kOci);
  ASSERT_TRUE(a.ok()) << a.status();
  // The same contents at another place with other timestamps.
  fs::path copy = dir_ / "copy";
  fs::create_directories(copy);
  fs::copy(WS_EXAMPLE_DOCROOT, copy / "docroot", fs::copy_options::recursive);
  fs::last_write_time(copy / "docroot" / "hello.txt",
                      fs::last_write_time(copy / "docroot" / "hello.txt") - std::chrono::hours(5));
  in.adds = {{(copy / "docroot").string(), "/docroot"}};
  absl::StatusOr<BuiltImage> b = build_image(in, ImageFormat::kOci);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->manifest_digest, b->manifest_digest);
  EXPECT_EQ(a->archive, b->archive);
  for (ImageFormat f : {ImageFormat::kDocker, ImageFormat::kArtifact}) {
    ImageInput plain = input();
    if (f == ImageFormat::kArtifact) plain.adds.clear();
    absl::StatusOr<BuiltImage> x = build_image(plain, f);
    absl::StatusOr<BuiltImage> y = build_image(plain, f);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(x->archive, y->archive);
  }
  // One byte of content changes the digest, and so does an option.
  std::ofstream(copy / "docroot" / "hello.txt", std::ios::app) << "!";
  absl::StatusOr<BuiltImage> c = build_image(in, ImageFormat::kOci);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->manifest_digest, c->manifest_digest);
  in = input();
  in.env.push_back("X=1");
  absl::StatusOr<BuiltImage> d = build_image(in, ImageFormat::kOci);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(a->manifest_digest, d->manifest_digest);
}

TEST_F(ImageTest, DockerArchiveHasManifestJsonAndPlainLayer) {
  absl::StatusOr<BuiltImage> img = build_image(input(), ImageFormat::kDocker);
  ASSERT_TRUE(img.ok()) << img.status();
  auto files = files_of(img->archive);
  Json docker = Json::parse(files["manifest.json"]);
  ASSERT_EQ(docker.size(), 1u);
  EXPECT_EQ(docker[0]["RepoTags"], Json::array({"docker.io/wasmshim/test:1"}));
  ASSERT_TRUE(files.count(docker[0]["Config"].get<std::string>()));
  std::string layer = files[docker[0]["Layers"][0].get<std::string>()];
  Json config = Json::parse(files[docker[0]["Config"].get<std::string>()]);
  EXPECT_EQ(config["rootfs"]["diff_ids"][0], "sha256:" + support::sha256_hex(layer));
  EXPECT_TRUE(read_tar(layer).ok());
}

TEST_F(ImageTest, ArtifactLayerIsTheModule) {
  ImageInput in = input();
  in.adds.clear();
  absl::StatusOr<BuiltImage> img = build_image(in, ImageFormat::kArtifact);
  ASSERT_TRUE(img.ok()) << img.status();
  auto files = files_of(img->archive);
  Json index = Json::parse(files["index.json"]);
  Json manifest = Json::parse(blob(files, index["manifests"][0]));
  EXPECT_EQ(manifest["artifactType"], "application/vnd.wasm.config.v0+json");
  ASSERT_EQ(manifest["layers"].size(), 1u);
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/wasm");
  EXPECT_EQ(blob(files, manifest["layers"][0]), kModule);
  // No tar layers: containerd's unpacker skips the wasm layer and finds the config consistent.
  Json config = Json::parse(blob(files, manifest["config"]));
  EXPECT_EQ(config["rootfs"]["diff_ids"], Json::array());
  EXPECT_EQ(config["config"]["Entrypoint"], Json::array({"/app.wasm"}));
  ASSERT_EQ(config["history"].size(), 1u);
  EXPECT_EQ(config["history"][0]["empty_layer"], true);
  in = input();
  EXPECT_EQ(build_image(in, ImageFormat::kArtifact).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The module path is checked as in a tar image.
  for (const char* bad : {"app.wasm", "/a/../../app.wasm", "/"}) {
    in = input();
    in.adds.clear();
    in.module_path = bad;
    absl::Status s = build_image(in, ImageFormat::kArtifact).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("--module-path"), std::string::npos) << s;
  }
}

// A symlink is packed as a symlink under its own name with its own target text, whether the
// target is inside the added tree or outside it (fs::relative would resolve it to "../..").
TEST_F(ImageTest, SymlinksKeepTheirNameAndTarget) {
  fs::path tree = dir_ / "tree";
  write("tree/sub/real.txt", "real");
  write("outside.txt", "outside");
  fs::create_symlink("sub/real.txt", tree / "inside-link");
  fs::create_symlink((dir_ / "outside.txt").string(), tree / "sub" / "outside-link");
  fs::create_symlink("../../../etc/passwd", tree / "up-link");
  ImageInput in = input();
  in.adds = {{tree.string(), "/srv"}};
  absl::StatusOr<BuiltImage> img = build_image(in, ImageFormat::kDocker);
  ASSERT_TRUE(img.ok()) << img.status();
  auto files = files_of(img->archive);
  Json docker = Json::parse(files["manifest.json"]);
  absl::StatusOr<std::vector<TarEntry>> entries =
      read_tar(files[docker[0]["Layers"][0].get<std::string>()]);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::map<std::string, TarEntry> by_path;
  for (const TarEntry& e : *entries) {
    EXPECT_EQ(e.path.find(".."), std::string::npos) << e.path;
    by_path[e.path] = e;
  }
  struct Want {
    std::string path;
    std::string target;
  };
  for (const Want& w : {Want{"srv/inside-link", "sub/real.txt"},
                        Want{"srv/sub/outside-link", (dir_ / "outside.txt").string()},
                        Want{"srv/up-link", "../../../etc/passwd"}}) {
    ASSERT_TRUE(by_path.count(w.path)) << w.path;
    EXPECT_EQ(by_path[w.path].kind, TarEntry::Kind::kSymlink) << w.path;
    EXPECT_EQ(by_path[w.path].data, w.target) << w.path;
  }
  ASSERT_TRUE(by_path.count("srv/sub/real.txt"));
  EXPECT_EQ(by_path["srv/sub/real.txt"].kind, TarEntry::Kind::kFile);
  EXPECT_EQ(by_path["srv/sub/real.txt"].data, "real");
}

TEST_F(ImageTest, BadInputIsRefusedWithTheOption) {
  struct Case {
    std::function<void(ImageInput&)> change;
    std::string message;
  };
  std::vector<Case> cases = {
      {[&](ImageInput& in) { in.module_file = write("x.wasm", "#!/bin/sh\necho hi\n"); },
       "not a WebAssembly module"},
      {[&](ImageInput& in) { in.module_file = (dir_ / "missing.wasm").string(); }, "missing.wasm"},
      {[&](ImageInput& in) {
         in.adds = {{(dir_ / "nothere").string(), "/x"}};
       },
       "--add"},
      {[&](ImageInput& in) {
         in.adds = {{WS_EXAMPLE_DOCROOT, "/a/../../etc"}};
       },
       "'..' is not allowed"},
      {[&](ImageInput& in) {
         in.adds = {{WS_EXAMPLE_DOCROOT, "docroot"}};
       },
       "must be absolute"},
      {[&](ImageInput& in) {
         in.adds = {{in.module_file, "/app.wasm"}};
       },
       "added twice"},
      {[&](ImageInput& in) { in.module_path = "/"; }, "names the root"},
      {[&](ImageInput& in) { in.workdir = "srv"; }, "--workdir srv: the path in the image must"},
      {[&](ImageInput& in) { in.workdir = "/srv/../.."; }, "--workdir /srv/../..: '..'"},
      {[&](ImageInput& in) { in.workdir = "/srv//x/"; }, "not a clean path"},
      {[&](ImageInput& in) { in.ref = "Bad/Name:1"; }, "lowercase"},
  };
  for (const Case& c : cases) {
    ImageInput in = input();
    c.change(in);
    absl::StatusOr<BuiltImage> img = build_image(in, ImageFormat::kOci);
    ASSERT_FALSE(img.ok()) << c.message;
    EXPECT_EQ(img.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(img.status().message().find(c.message), std::string::npos) << img.status();
  }
}

TEST(ImageRef, Normalize) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const Case& c :
       {Case{"app", "docker.io/library/app:latest"}, Case{"app:1", "docker.io/library/app:1"},
        Case{"me/app:2", "docker.io/me/app:2"},
        Case{"example.com:5000/a/b:3", "example.com:5000/a/b:3"},
        Case{"localhost/x", "localhost/x:latest"}}) {
    absl::StatusOr<std::string> r = normalize_ref(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status();
    EXPECT_EQ(*r, c.out);
  }
  for (const char* bad : {"", "a b", "x:", "/x", "a@sha256:00"}) {
    EXPECT_FALSE(normalize_ref(bad).ok()) << bad;
  }
}

TEST(PackOptions, ParsesAndRefuses) {
  absl::StatusOr<PackOptions> o =
      parse_pack_options({"-o", "out.tar", "--tag=x:1", "--env", "A=1", "--add", "d:/srv",
                          "--entrypoint", "/m.wasm#run", "--cmd", "c", "m.wasm"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->output, "out.tar");
  EXPECT_EQ(o->input.ref, "x:1");
  EXPECT_EQ(o->input.module_file, "m.wasm");
  EXPECT_EQ(o->input.os, "wasi");
  EXPECT_EQ(o->input.entrypoint, std::vector<std::string>{"/m.wasm#run"});
  ASSERT_EQ(o->input.adds.size(), 1u);
  EXPECT_EQ(o->input.adds[0].dest, "/srv");
  absl::StatusOr<PackOptions> d = parse_pack_options({"-o", "o", "--format", "docker", "m"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->input.os, "linux");
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"m.wasm"},
                                             {"-o", "o"},
                                             {"-o", "o", "--env", "NOEQ", "m"},
                                             {"-o", "o", "--platform", "wasi", "m"},
                                             {"-o", "o", "--format", "zip", "m"},
                                             {"-o", "o", "--bogus", "1", "m"},
                                             {"-o", "o", "--add", "nodest", "m"},
                                             {"-o", "o", "m", "n"}}) {
    EXPECT_FALSE(parse_pack_options(bad).ok()) << bad.size();
  }
}

}  // namespace
}  // namespace ws::tools
