// wasmrun's --help and --version texts.
#include "tools/wasmrun/options.h"

namespace ws::tools {

std::string usage_text() {
  return R"(usage: wasmrun [options] MODULE.wasm [ARGS...]

Runs a WebAssembly module: a WASI command's _start, or the export named by --invoke.
Options come before MODULE.wasm (or end with --); everything after MODULE.wasm is passed to
the guest (its argv, or --invoke's arguments). --opt VALUE and --opt=VALUE both work.

options:
  --dir GUEST:HOST[:ro]   grant host directory HOST to the guest as GUEST; nothing may leave it
                          (.. above it, absolute symlinks and symlinks that lead out fail with
                          ENOTCAPABLE); :ro makes every write through it fail
  --dir HOST              the same path on both sides
  --env KEY=VALUE         add an environment variable (the guest sees no others)
  --tcplisten ADDR:PORT   create a listening TCP socket and pass it to the guest; sockets are
                          numbered after every --dir preopen (first socket = 3 + number of dirs)
  --invoke FUNC           call export FUNC with ARGS parsed per its parameter types and print
                          its results, one per line (a reactor's _initialize runs first)
  --trap-unknown-imports  satisfy every import nothing provides with a function that traps
                          when called
  --max-memory SIZE       most bytes one linear memory may have (K, M, G suffixes: 1024-based)
  --timeout SECONDS       interrupt the guest after SECONDS (fractions allowed)
  -O0 .. -O3, --opt-level N
                          LLVM optimisation level of the compiled code (default 2)
  --tier eager|lazy       eager: compile every function before running (on a cache miss, the
                          whole artifact first); lazy: compile each function at its first call
                          and store nothing. Default: a cache miss of a module with 16 KiB of
                          code or more runs lazily while a background process fills the cache,
                          and switches to the filled -O2 code as soon as it is there (calls
                          made after that run it; a call already running finishes as it began)
  --no-tier-up            after such a miss, stay on the lazy tier for the whole run
  --cache-dir DIR         keep compiled code in DIR (created 0700 when missing) and reuse it on
                          later runs; default $WASMSHIM_CACHE_DIR, else /var/lib/wasmshim/cache.
                          An unusable directory only costs a warning: the module is compiled
  --cache-max SIZE        most bytes of compiled code the cache directory keeps (default 4G);
                          least recently used artifacts are removed first
  --no-cache              compile in memory; read and write no cache
  -h, --help              print this help
  -V, --version           print the version

exit status:
  N     the guest's exit code (proc_exit or main's return value; the low 8 bits)
  0     --invoke returned normally
  1     usage error: bad options, or --invoke arguments that do not fit the export
  2     the module cannot be read, decoded, validated, compiled, linked or instantiated, or a
        --dir / --tcplisten cannot be granted (the message names the file and the problem)
  124   --timeout expired; "interrupted" is reported on stderr
  134   the guest trapped; the trap and its Wasm backtrace are printed on stderr
)";
}

std::string version_text() { return "wasmrun (wasmshim) 0.1.0\n"; }

}  // namespace ws::tools
