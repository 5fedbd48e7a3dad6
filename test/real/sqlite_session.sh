#!/usr/bin/env bash
# Test driver: an SQL session with SQLite's shell built for wasm32-wasi, on a database file in a
# preopened directory, over three runs of the module (create and query, reopen and change, reopen
# and check, ending with a failing statement); each run's stdout, stderr and exit code are checked.
#
# usage: sqlite_session.sh WORK_DIR SQLITE3_WASM RUNNER [RUNNER_ARGS...]
#
# RUNNER takes wasmrun's command line: RUNNER [--dir GUEST:HOST] [--env K=V] MODULE [ARGS...].
# WORK_DIR is emptied first; the database lives in WORK_DIR/data, preopened as /data.
set -euo pipefail

die() { echo "sqlite_session: FAIL: $*" >&2; exit 1; }
[[ $# -ge 3 ]] || { echo "usage: $0 WORK_DIR SQLITE3_WASM RUNNER [RUNNER_ARGS...]" >&2; exit 2; }
work="$1"
module="$2"
shift 2
runner=("$@")
[[ -f "$module" ]] || die "no module $module"

rm -rf "$work"
mkdir -p "$work/data"
data="$work/data"

# Runs the shell on /data/test.db with stdin from $1 (a file) and the remaining arguments;
# leaves stdout, stderr and the exit code in $work/out, $work/err and $status.
status=0
run() {
  local input="$1"
  shift
  status=0
  # HOME=/data: the shell looks for ~/.sqliterc there (none) instead of warning that it has no
  # home directory.
  "${runner[@]}" --dir "/data:$data" --env HOME=/data "$module" "$@" \
    <"$input" >"$work/out" 2>"$work/err" || status=$?
}

# expect STEP EXPECTED_STDOUT: exit code 0, empty stderr, stdout exactly as given.
expect() {
  local step="$1" want="$2"
  if [[ $status -ne 0 ]]; then
    cat "$work/err" >&2
    die "$step: exit code $status, expected 0"
  fi
  if [[ -s "$work/err" ]]; then
    cat "$work/err" >&2
    die "$step: unexpected stderr (above)"
  fi
  if ! diff -u <(printf '%s\n' "$want") "$work/out" >&2; then
    die "$step: stdout differs from the expected output (diff above: - expected, + actual)"
  fi
  echo "sqlite_session: $step: ok"
}

# 1. Create, fill (one statement, then an explicit transaction: a rollback journal is written
#    and deleted), index and query.
cat >"$work/session1.sql" <<'SQL'
create table fruit(id integer primary key, name text not null, price real);
insert into fruit(name, price) values ('apple', 1.25), ('banana', 0.5), ('cherry', 7);
begin;
insert into fruit(name, price) values ('durian', 12.5);
commit;
create index fruit_price on fruit(price);
select id, name, price from fruit order by price desc;
select count(*), sum(price), (select group_concat(name, ',') from (select name from fruit order by name)) from fruit;
select sqlite_version();
SQL
run "$work/session1.sql" /data/test.db
expect "create, insert, query" "4|durian|12.5
3|cherry|7.0
1|apple|1.25
2|banana|0.5
4|21.25|apple,banana,cherry,durian
3.40.1"
[[ -s "$data/test.db" ]] || die "no database file $data/test.db after the first session"
[[ ! -e "$data/test.db-journal" ]] || die "the rollback journal was left behind"

# 2. Reopen the file; SQL from the command line this time.
run /dev/null /data/test.db \
  "update fruit set price = price * 2 where name = 'apple'; delete from fruit where name = 'banana'; select name, price from fruit order by id;"
expect "reopen, update, delete" "apple|2.5
cherry|7.0
durian|12.5"

# 3. Reopen again: the changes persisted; dot-commands and another output mode; the last
#    statement fails, which the shell reports on stderr and in its exit code (one process for
#    both, since every run of a module this size costs a JIT compilation under wasmrun).
cat >"$work/session3.sql" <<'SQL'
pragma integrity_check;
.headers on
.mode quote
select * from fruit order by id;
.mode list
.headers off
select name from fruit where price > (select avg(price) from fruit);
select * from no_such_table;
SQL
run "$work/session3.sql" /data/test.db
if [[ $status -eq 0 ]]; then
  die "reopen, check, failing statement: exit code 0 after a failing statement"
fi
grep -q 'no such table: no_such_table' "$work/err" ||
  { cat "$work/err" >&2; die "reopen, check, failing statement: no 'no such table' on stderr"; }
if ! diff -u <(printf '%s\n' "ok
'id','name','price'
1,'apple',2.5
3,'cherry',7.0
4,'durian',12.5
durian") "$work/out" >&2; then
  die "reopen, check, failing statement: stdout differs (diff above: - expected, + actual)"
fi
echo "sqlite_session: reopen, check, quote mode, failing statement: ok (exit code $status)"

# 4. The host's sqlite3, if installed, reads the file the guest wrote.
if command -v sqlite3 >/dev/null; then
  got="$(sqlite3 "$data/test.db" 'select group_concat(name) from fruit;')"
  [[ "$got" == "apple,cherry,durian" ]] || die "host sqlite3 reads '$got' from the guest's file"
  echo "sqlite_session: host sqlite3 reads the database: ok"
fi
echo "sqlite_session: PASS"
