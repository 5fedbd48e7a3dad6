#!/usr/bin/env bash
# Python gRPC stubs of the containerd API services the throughput client uses (containers,
# leases, snapshots, tasks and the types they import), from the API protos in Debian's
# containerd source package (support/scripts/fetch-sources.sh). The gogoproto options are Go
# code generation hints only: they are stripped. The protos move from
# github.com/containerd/containerd/api/ to ctrd/ (a directory name Python can import); their
# proto packages, hence the wire names of the services, stay the same.
#
# usage: api_stubs.sh CONTAINERD_API_DIR OUT_DIR      (then sys.path += OUT_DIR; import ctrd...)
set -euo pipefail
api=$1 out=$2
protos=(types/mount.proto types/metrics.proto types/descriptor.proto types/task/task.proto
  services/containers/v1/containers.proto services/leases/v1/leases.proto
  services/snapshots/v1/snapshots.proto services/tasks/v1/tasks.proto)
for p in "${protos[@]}"; do
  [[ -f "$api/$p" ]] || { echo "api_stubs.sh: no $api/$p" >&2; exit 1; }
  mkdir -p "$out/ctrd/$(dirname "$p")"
  sed -e '/import weak "gogoproto/d' -e '/option (gogoproto\./d' \
    -e 's/ *\[(gogoproto\.[^]]*\]//' \
    -e 's#"github.com/containerd/containerd/api/#"ctrd/#' "$api/$p" >"$out/ctrd/$p"
done
(cd "$out" && protoc -I. --python_out=. --grpc_out=. \
  --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin "${protos[@]/#/ctrd/}")
