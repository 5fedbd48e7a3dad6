#!/bin/sh
# Link launcher (CMake RULE_LAUNCH_LINK) for programs whose start-up time matters: the shim
# (exec'd per container), wasmrun, wasmc. Links Debian's archives of abseil, gRPC (grpc++,
# grpc, gpr, upb, address_sorting), protobuf, OpenSSL, re2, c-ares and zlib instead of their
# ~55 shared objects, whose symbol lookups and relocations at load time cost more than
# everything a warm `wasmrun hello.wasm` or the shim's `start` does. libc stays shared, and so
# do libstdc++ and libgcc unless --static-runtime. Rewrites each such /usr/lib/.../libX.so[.N]
# (and -lX) argument to libX.a when that archive exists, in place, and puts the whole link between
# --start-group and --end-group: shared objects resolve in any order, archives only in
# dependency order, and CMake's order was computed for the shared ones.
# With --static-runtime first (the shim's programs, exec'd per container), libstdc++ and libgcc
# are linked statically as well: their shared objects' symbol lookups and relocations were a
# third of what an exec of the shim still cost (2.1 -> 1.6 ms of CPU for the shim, 1.3 -> 0.8 ms
# for the instance binary). The plugin then brings its own shared libstdc++ when a cache miss
# loads it: what crosses the boundary is plain data, shared_ptr/std::function (whose code is the
# creator's) and memory freed with free() underneath either copy's operator delete; no exception
# crosses it (the plugin's table functions return absl::Status).
# The codegen plugin keeps the shared abseil (Debian's archives are not PIC); absl::Status values
# it returns are plain data (a heap StatusRep freed with free() underneath operator delete), so
# destroying them with this program's static copy of abseil is fine. The plugin's version script
# exports only its entry point, and this program exports none of the archives' symbols (nothing
# shared refers to them at link time), so neither copy interposes on the other.
libdir=/usr/lib/x86_64-linux-gnu
runtime=""
if [ "${1:-}" = --static-runtime ]; then
  runtime="-static-libstdc++ -static-libgcc"
  shift
fi
static_name() {  # $1: library name without lib/.so; succeeds when it is one of ours
  case "$1" in
    absl_* | grpc++ | grpc | gpr | upb | address_sorting | protobuf | ssl | crypto | re2 | cares | z)
      return 0 ;;
  esac
  return 1
}
grouped=0
for arg in "$@"; do
  shift
  name=""
  case "$arg" in
    */lib*.so*) name="${arg##*/lib}" && name="${name%%.so*}" ;;
    -l*) name="${arg#-l}" ;;
  esac
  if [ -n "$name" ] && static_name "$name" && [ -f "$libdir/lib$name.a" ]; then
    arg="$libdir/lib$name.a"
    if [ $grouped = 0 ]; then
      set -- "$@" -Wl,--start-group
      grouped=1
    fi
  fi
  set -- "$@" "$arg"
done
if [ $grouped = 1 ]; then set -- "$@" -Wl,--end-group; fi
# shellcheck disable=SC2086  # two flags or none
exec "$@" $runtime
