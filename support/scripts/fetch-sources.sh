#!/usr/bin/env bash
# Fetches Debian bookworm source packages (default: sqlite3 and zlib) for the real-program tests.
#
# usage: support/scripts/fetch-sources.sh [--print-dir] [PACKAGE ...]
#
# Uses a private APT configuration (its own sources list, lists directory and cache) so that the
# system's /etc/apt is never modified: one deb-src line per mirror of the system's own bookworm
# sources (read from /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources}),
# falling back to http://deb.debian.org/debian. `apt-get update` runs only when the private
# lists hold no Sources index yet, or when a package is not found in them. Each package is
# unpacked with `apt-get source` (dpkg-source -x, Debian patches applied) into
# $WS_SRC_CACHE/<package>, a symlink to the versioned directory; an already unpacked package is
# left alone (idempotent). Needs dpkg-dev (from build-essential); no build-deps, no root unless
# the cache directory needs it.
#
# Environment: WS_SRC_CACHE (default $XDG_CACHE_HOME/wasmshim/src, i.e. ~/.cache/wasmshim/src),
# WS_DEBIAN_SUITE (default bookworm), WS_DEBIAN_MIRROR (overrides the mirror found in /etc/apt).
# --print-dir prints the cache directory and exits.
set -euo pipefail

cache="${WS_SRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmshim/src}"
suite="${WS_DEBIAN_SUITE:-bookworm}"

die() { echo "fetch-sources: $*" >&2; exit 1; }

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$cache"
  exit 0
fi
packages=("$@")
[[ ${#packages[@]} -gt 0 ]] || packages=(sqlite3 zlib)

# Nothing to do when every package is unpacked already (no apt, no network).
todo=()
for p in "${packages[@]}"; do
  [[ -f "$cache/$p/.ws-unpacked" ]] || todo+=("$p")
done
[[ ${#todo[@]} -eq 0 ]] && exit 0

command -v apt-get >/dev/null || die "apt-get not found (a Debian system is needed)"
command -v dpkg-source >/dev/null || die "dpkg-source not found: install dpkg-dev (make deps)"

# The mirrors the system already uses for the main Debian archive (not security, not third-party
# repositories): URIs of stanzas/lines whose suite is exactly $suite.
system_mirrors() {
  local f
  if [[ -f /etc/apt/sources.list ]]; then
    awk -v s="$suite" '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == s) print $i }' /etc/apt/sources.list
  fi
  for f in /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk -v s="$suite" '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == s) print $i }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # deb822: stanzas separated by blank lines; keep URIs of enabled stanzas listing $suite.
    awk -v s="$suite" '
      function flush() {
        if (uris != "" && suites ~ ("(^| )" s "( |$)") && types ~ /(^| )deb( |$)/ &&
            enabled != "no") print uris
        uris = ""; suites = ""; types = ""; enabled = ""
      }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "uris:" { $1 = ""; uris = substr($0, 2) }
      tolower($1) == "suites:" { $1 = ""; suites = substr($0, 2) }
      tolower($1) == "types:" { $1 = ""; types = substr($0, 2) }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "$f" | tr ' ' '\n'
  done
}

if [[ -n "${WS_DEBIAN_MIRROR:-}" ]]; then
  mirrors=("$WS_DEBIAN_MIRROR")
else
  mapfile -t mirrors < <(system_mirrors | grep -v '^$' | sort -u)
  [[ ${#mirrors[@]} -gt 0 ]] || mirrors=(http://deb.debian.org/debian)
fi

apt_dir="$cache/.apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" ||
  die "cannot create $apt_dir"
list="$apt_dir/sources.list"
# Debian's archive key, as the system's own sources name it (apt would also find it in
# /etc/apt/trusted.gpg.d; naming it keeps other keys out of this list's trust).
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opts=""
[[ -f "$keyring" ]] && opts="[signed-by=$keyring] "
new_list="$(for m in "${mirrors[@]}"; do echo "deb-src $opts$m $suite main"; done)"
if [[ ! -f "$list" ]] || [[ "$(cat "$list")" != "$new_list" ]]; then
  printf '%s\n' "$new_list" >"$list"
  rm -f "$apt_dir/lists/"*_Sources* # a changed list invalidates the fetched indexes
fi

apt_opts=(
  -o "Dir::Etc::SourceList=$list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Cache::archives=$apt_dir/archives"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)

apt_update() {
  echo "fetch-sources: apt-get update for $(tr '\n' ' ' <"$list")" >&2
  apt-get "${apt_opts[@]}" update -qq >&2 || die "apt-get update failed (sources: $list)"
}

have_index() { compgen -G "$apt_dir/lists/*_Sources*" >/dev/null; }
have_index || apt_update

updated=0
work=""
trap '[[ -z "$work" ]] || rm -rf "$work"' EXIT
for p in "${todo[@]}"; do
  work="$cache/.work-$p"
  rm -rf "$work"
  mkdir -p "$work"
  echo "fetch-sources: apt-get source $p into $cache" >&2
  if ! (cd "$work" && apt-get "${apt_opts[@]}" source -qq "$p" >&2); then
    if [[ $updated == 0 ]]; then
      updated=1
      apt_update
      (cd "$work" && apt-get "${apt_opts[@]}" source -qq "$p" >&2) ||
        die "apt-get source $p failed"
    else
      die "apt-get source $p failed"
    fi
  fi
  # The unpacked tree is the only directory apt-get source leaves in $work.
  mapfile -t dirs < <(find "$work" -mindepth 1 -maxdepth 1 -type d)
  [[ ${#dirs[@]} -eq 1 ]] || die "expected one unpacked directory for $p in $work"
  name="$(basename "${dirs[0]}")"
  rm -rf "${cache:?}/$name"
  mv "${dirs[0]}" "$cache/$name"
  mkdir -p "$cache/.orig"
  find "$work" -maxdepth 1 -type f -exec mv -f {} "$cache/.orig/" \;
  rm -rf "$work"
  touch "$cache/$name/.ws-unpacked"
  ln -sfn "$name" "$cache/$p"
  echo "fetch-sources: $p -> $cache/$name" >&2
done
