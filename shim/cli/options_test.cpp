// Shim options from containerd's runtime options Any, TOML text, files and the environment.
#include "shim/cli/options.h"

#include <stdlib.h>

#include <fstream>

#include <google/protobuf/any.pb.h>

#include "gtest/gtest.h"
#include "proto/containerd/types/runtimeoptions/v1/api.pb.h"

namespace ws::shim {
namespace {

std::string options_any(const std::string& body, const std::string& path) {
  ::runtimeoptions::v1::Options o;
  o.set_config_body(body);
  o.set_config_path(path);
  google::protobuf::Any any;
  any.set_type_url("runtimeoptions.v1.Options");
  any.set_value(o.SerializeAsString());
  return any.SerializeAsString();
}

TEST(ShimOptions, DefaultsToTtrpc) {
  EXPECT_EQ(load_shim_options("", nullptr)->protocol, "ttrpc");
  EXPECT_EQ(load_shim_options("garbage\x01", nullptr)->protocol, "ttrpc");
}

TEST(ShimOptions, FromTomlBodyAsCriSendsIt) {
  std::string body =
      "# wasm shim\nSystemdCgroup = false\nProtocol = \"grpc\" # 1.7+\n"
      "[something]\nprotocol = \"ttrpc\"\n";
  EXPECT_EQ(load_shim_options(options_any(body, ""), nullptr)->protocol, "grpc");
}

TEST(ShimOptions, FromConfigFileAsCtrSendsIt) {
  std::string path = testing::TempDir() + "/wasm-shim.toml";
  std::ofstream(path) << "protocol = 'grpc'\n";
  EXPECT_EQ(load_shim_options(options_any("", path), nullptr)->protocol, "grpc");
  absl::StatusOr<ShimOptions> missing = load_shim_options(options_any("", "/nope.toml"), nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("/nope.toml"), std::string::npos);
}

TEST(ShimOptions, EnvironmentWinsAndBadValuesAreErrors) {
  EXPECT_EQ(load_shim_options(options_any("protocol = \"grpc\"", ""), "ttrpc")->protocol, "ttrpc");
  EXPECT_EQ(load_shim_options("", "GRPC")->protocol, "grpc");
  absl::StatusOr<ShimOptions> bad = load_shim_options("", "http");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "shim option protocol: \"http\" is not ttrpc or grpc");
}

TEST(ShimOptions, CacheDirFromTomlOrEnvironment) {
  EXPECT_EQ(load_shim_options("", nullptr)->cache_dir, "");
  std::string body = "protocol = \"ttrpc\"\ncache_dir = \"/var/cache/wasm\"\n";
  EXPECT_EQ(load_shim_options(options_any(body, ""), nullptr)->cache_dir, "/var/cache/wasm");
  EXPECT_EQ(load_shim_options(options_any("CacheDir = '/c'", ""), nullptr)->cache_dir, "/c");
  EXPECT_EQ(load_shim_options(options_any(body, ""), nullptr, "/env/cache")->cache_dir,
            "/env/cache");
  EXPECT_EQ(load_shim_options(options_any(body, ""), nullptr, "")->cache_dir, "/var/cache/wasm");
  absl::StatusOr<ShimOptions> relative =
      load_shim_options(options_any("cache_dir = 'c'", ""), nullptr);
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.status().message(), "shim option cache_dir: \"c\" is not an absolute path");
  EXPECT_FALSE(load_shim_options("", nullptr, "rel/dir").ok());
}

}  // namespace
}  // namespace ws::shim
