// Finding the Wasm layer of an artifact: platforms, media types and malformed documents.
#include "oci/wasm_artifact.h"

#include <gtest/gtest.h>

namespace ws::oci {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');

std::string desc(const std::string& type, const std::string& digest,
                 const std::string& extra = "") {
  return R"({"mediaType":")" + type + R"(","digest":")" + digest + R"(","size":3)" + extra + "}";
}

TEST(WasmArtifact, PicksTheWasiManifestOfAnIndex) {
  std::string amd = desc("m", kA, R"(,"platform":{"os":"linux","architecture":"amd64"})");
  std::string wasi = desc("m", kB, R"(,"platform":{"os":"wasip1","architecture":"wasm"})");
  absl::StatusOr<Descriptor> d = pick_wasm_manifest(R"({"manifests":[)" + amd + "," + wasi + "]}");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest, kB);
  d = pick_wasm_manifest(R"({"manifests":[)" + amd + "]}");  // the only one
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->digest, kA);
  EXPECT_EQ(pick_wasm_manifest(R"({"manifests":[)" + amd + "," + amd + "]}").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(WasmArtifact, FindsTheWasmLayer) {
  for (const char* type : {"application/wasm", "application/vnd.wasm.content.layer.v1+wasm"}) {
    absl::StatusOr<Descriptor> d = wasm_layer(R"({"layers":[)" + desc(type, kA) + "]}");
    ASSERT_TRUE(d.ok()) << type;
    EXPECT_EQ(d->media_type, type);
    EXPECT_EQ(d->digest, kA);
    EXPECT_EQ(d->size, 3);
  }
  absl::StatusOr<Descriptor> tar =
      wasm_layer(R"({"layers":[)" + desc("application/vnd.oci.image.layer.v1.tar", kA) + "]}");
  EXPECT_EQ(tar.status().code(), absl::StatusCode::kNotFound);
}

TEST(WasmArtifact, MalformedDocumentsAreInvalid) {
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"), std::string(R"({"layers":{}})"),
        R"({"layers":[)" + desc("application/wasm", "sha256:xyz") + "]}",
        R"({"layers":[)" + desc("application/wasm", "md5:" + std::string(64, 'a')) + "]}",
        std::string(R"({"layers":[{"mediaType":"application/wasm","digest":")") + kA +
            R"(","size":-1}]})"}) {
    EXPECT_EQ(wasm_layer(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(pick_wasm_manifest("{}").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(is_index("application/vnd.oci.image.index.v1+json"));
  EXPECT_FALSE(is_index("application/vnd.oci.image.manifest.v1+json"));
}

}  // namespace
}  // namespace ws::oci
