#!/usr/bin/env bash
# Downloads Debian trixie packages (containerd 1.7, docker.io 26, ...) from the Debian mirror this
# machine already uses, with a private apt configuration (the system's apt is not touched), and
# unpacks them with dpkg -x. Idempotent; prints the unpack root.
#
# usage: fetch-trixie.sh PACKAGE...      (default: containerd)
# Environment: WS_TRIXIE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/trixie)
set -euo pipefail

dir="${WS_TRIXIE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/trixie}"
pkgs=("$@")
[[ ${#pkgs[@]} -gt 0 ]] || pkgs=(containerd)
root="$dir/root"

all_present=1
for p in "${pkgs[@]}"; do [[ -f "$dir/.done-$p" ]] || all_present=0; done
if [[ $all_present -eq 1 ]]; then echo "$root"; exit 0; fi

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [[ -z "$mirror" ]]; then
  mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
[[ -n "$mirror" ]] || { echo "fetch-trixie: cannot find the Debian mirror in /etc/apt" >&2; exit 1; }

mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$root"
echo "deb $mirror trixie main" >"$dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
          -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
if [[ ! -f "$dir/.updated" ]]; then
  apt-get "${apt_opts[@]}" -qq update >&2
  touch "$dir/.updated"
fi
for p in "${pkgs[@]}"; do
  [[ -f "$dir/.done-$p" ]] && continue
  (cd "$dir/archives" && apt-get "${apt_opts[@]}" -qq download "$p" >&2)
  deb=$(ls -t "$dir/archives/${p}"_*.deb | head -1)
  dpkg -x "$deb" "$root"
  touch "$dir/.done-$p"
done
echo "$root"
