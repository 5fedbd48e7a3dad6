#!/usr/bin/env bash
# Generates SQLite's amalgamation (sqlite3.c, sqlite3.h, shell.c) from Debian's sqlite3 source tree.
#
# usage: make-sqlite-amalgamation.sh SQLITE_SOURCE_DIR OUT_DIR
#
# Debian's sqlite3 source package is SQLite's full tree, not the amalgamation: the amalgamation
# and shell.c are made by SQLite's own build (host cc for lemon and mkkeywordhash, tclsh for the
# generator scripts). Configures out of tree in OUT_DIR/work and makes only those two targets;
# the source tree is left untouched. Writes the three files into OUT_DIR last, so a failed run
# leaves no partial output for the build to pick up.
set -euo pipefail

die() { echo "make-sqlite-amalgamation: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 SQLITE_SOURCE_DIR OUT_DIR"
src="$(cd "$1" && pwd)" || die "no such directory: $1"
out="$2"
[[ -x "$src/configure" && -f "$src/main.mk" ]] ||
  die "$src does not look like SQLite's source tree (run support/scripts/fetch-sources.sh)"
command -v tclsh >/dev/null || die "tclsh not found (Debian package tcl; make deps installs it)"
command -v "${CC:-cc}" >/dev/null || die "no host C compiler ${CC:-cc}"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$out/work"
rm -rf "$work"
mkdir -p "$work"
log="$work/build.log"
(
  cd "$work"
  "$src/configure" --disable-tcl --disable-readline --disable-editline --disable-load-extension \
    --disable-threadsafe >"$log" 2>&1
  # MAKEFLAGS from an outer make would change the job count; the two targets are sequential.
  env -u MAKEFLAGS -u MFLAGS make -j1 sqlite3.c shell.c >>"$log" 2>&1
) || { tail -n 30 "$log" >&2; die "SQLite's build failed (full log: $log)"; }
for f in sqlite3.h shell.c sqlite3.c; do
  [[ -s "$work/$f" ]] || die "SQLite's build did not produce $f"
  cp "$work/$f" "$out/$f.tmp"
  mv "$out/$f.tmp" "$out/$f"
done
rm -rf "$work"
