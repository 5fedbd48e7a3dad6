#!/usr/bin/env bash
# Debian trixie packages (containerd 1.7, docker.io 26, ...) unpacked into a cache: see
# fetch-debian.sh. Prints the unpack root.
#
# usage: fetch-trixie.sh PACKAGE...      (default: containerd)
# Environment: WS_TRIXIE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/trixie)
set -euo pipefail
[[ $# -gt 0 ]] || set -- containerd
WS_DEBIAN_DIR="${WS_TRIXIE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/trixie}" \
  exec "$(dirname "${BASH_SOURCE[0]}")/fetch-debian.sh" trixie "$@"
