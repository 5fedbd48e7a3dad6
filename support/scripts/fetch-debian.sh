#!/usr/bin/env bash
# Downloads packages of another Debian suite (trixie's containerd 1.7 and docker.io 26, forky's
# containerd 2.x, ...) from the Debian mirror this machine already uses, with a private apt
# configuration (the system's apt is not touched), and unpacks them with dpkg -x. Idempotent;
# prints the unpack root.
#
# usage: fetch-debian.sh SUITE PACKAGE...
# Environment: WS_DEBIAN_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/SUITE)
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: fetch-debian.sh SUITE PACKAGE..." >&2; exit 2; }
suite=$1
shift
pkgs=("$@")
dir="${WS_DEBIAN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/$suite}"
root="$dir/root"

all_present=1
for p in "${pkgs[@]}"; do [[ -f "$dir/.done-$p" ]] || all_present=0; done
if [[ $all_present -eq 1 ]]; then echo "$root"; exit 0; fi

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [[ -z "$mirror" ]]; then
  mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
[[ -n "$mirror" ]] || { echo "fetch-debian: cannot find the Debian mirror in /etc/apt" >&2; exit 1; }

mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$root"
echo "deb $mirror $suite main" >"$dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
          -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
update() { apt-get "${apt_opts[@]}" -qq update >&2 && touch "$dir/.updated"; }
[[ -f "$dir/.updated" ]] || update
for p in "${pkgs[@]}"; do
  [[ -f "$dir/.done-$p" ]] && continue
  # Lists from an earlier run may name a version the mirror no longer has: update once, retry.
  if ! (cd "$dir/archives" && apt-get "${apt_opts[@]}" -qq download "$p" >&2); then
    update
    (cd "$dir/archives" && apt-get "${apt_opts[@]}" -qq download "$p" >&2)
  fi
  deb=$(ls -t "$dir/archives/${p}"_*.deb | head -1)
  dpkg -x "$deb" "$root"
  touch "$dir/.done-$p"
done
echo "$root"
