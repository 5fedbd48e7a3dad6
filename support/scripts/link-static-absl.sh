#!/bin/sh
# Link launcher (CMake RULE_LAUNCH_LINK) for programs whose start-up time matters (wasmrun,
# wasmc): links Debian's abseil archives instead of its ~25 shared libraries, whose symbol
# lookups at load time cost more than everything a warm `wasmrun hello.wasm` does. Rewrites
# each /usr/lib/.../libabsl_X.so[.N] argument to libabsl_X.a when that archive exists (same
# order, so the dependency order CMake computed still holds), then runs the link command.
# The codegen plugin keeps the shared abseil (Debian's archives are not PIC); absl::Status values
# it returns are plain data (a heap StatusRep freed with the same libstdc++ operator delete), so
# destroying them with this program's static copy of abseil is fine.
for arg in "$@"; do
  shift
  case "$arg" in
    */libabsl_*.so*)
      archive="${arg%%.so*}.a"
      if [ -f "$archive" ]; then arg="$archive"; fi
      ;;
  esac
  set -- "$@" "$arg"
done
exec "$@"
