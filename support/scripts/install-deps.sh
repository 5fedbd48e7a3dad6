#!/usr/bin/env bash
# Installs every Debian 12 package wasmshim needs to build and test, then the Debian source packages
# the real-program tests build (fetch-sources.sh); idempotent and quiet when done.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache git pkg-config clang-14 clang-format-14 clang-tidy-14
  llvm-19-dev libzstd-dev zlib1g-dev libedit-dev libxml2-dev libffi-dev
  # guest programs and wasm tooling
  wasi-libc libclang-rt-14-dev-wasm32 lld-14 wabt
  # real programs from Debian sources (test/real): apt-get source unpacks with dpkg-source,
  # SQLite's amalgamation generator needs tclsh
  dpkg-dev tcl
  # control plane libraries
  libabsl-dev libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  nlohmann-json3-dev libcgroup-dev libssl-dev
  # tests
  libgtest-dev libgmock-dev python3 bsdutils procps
  # integration tests: a private containerd (Debian 1.6, with runc); the Docker test's private
  # bridge (ip, shuf)
  containerd runc iproute2 coreutils
  # the CRI test (test/integration/cri_test.sh): pod networks from the CNI plugins, a CRI
  # client in Python, nsenter and ip to look into the pod
  containernetworking-plugins python3-grpcio util-linux
  # the image packer tools/wasm-oci (tar/gzip), and the other image builders it is tested against
  libarchive-dev umoci buildah
  # container benchmarks (bench/containers): runc's comparison image, the plots
  busybox-static gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# containerd 1.7 for the integration tests, and dockerd/docker 26 (with docker-proxy, for -p) for
# the Docker test and `make docker-demo`: Debian trixie packages unpacked into a cache (from the
# same Debian mirror; the system's apt configuration is not touched).
if [ "$(id -u)" -eq 0 ]; then
  "$(dirname "${BASH_SOURCE[0]}")/fetch-trixie.sh" containerd docker.io docker-cli >/dev/null
  # containerd 2.x (Debian forky, the testing suite) for the 2.x integration tests. forky moves:
  # when its containerd cannot be fetched or does not run here, those tests report a skip.
  forky_root=$("$(dirname "${BASH_SOURCE[0]}")/fetch-debian.sh" forky containerd) || forky_root=""
  if [ -z "$forky_root" ] || ! "$forky_root/usr/bin/containerd" --version >/dev/null 2>&1; then
    echo "install-deps: warning: no runnable containerd 2.x from Debian forky; the containerd" \
         "2.x integration tests will be skipped" >&2
    [ -z "$forky_root" ] || rm -f "$forky_root/usr/bin/containerd" "$forky_root/../.done-containerd"
  fi
fi

# Debian sources of sqlite3 and zlib for test/real (quiet and offline once unpacked), and of
# containerd for the CRI api.proto of the CRI test. Only those tests need them, so a failure
# here is a warning: those tests then report a skip.
if ! "$(dirname "${BASH_SOURCE[0]}")/fetch-sources.sh" sqlite3 zlib containerd; then
  echo "install-deps: warning: could not fetch the sqlite3/zlib/containerd sources; the" \
       "real-program tests (test/real) and the CRI test will be skipped" >&2
fi
