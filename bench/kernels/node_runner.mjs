// Times the kernel modules under node's WebAssembly (V8) and prints the harnesses' JSON lines.
//
// usage: node node_runner.mjs [--runs K] --dir DIR [KERNEL[:N] ...]
// Loads DIR/ws_kernel_<name>.wasm, instantiates it with no imports, calls `run(n)` once untimed
// (V8 starts in Liftoff and tiers hot functions up to TurboFan; the warm-up call lets that
// happen), then K times, and prints the best time. Default n per kernel from kernels.def.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const defs = readFileSync(new URL('./kernels.def', import.meta.url), 'utf8');
const kernels = new Map();
for (const m of defs.matchAll(/^WS_KERNEL\((\w+),\s*(\d+),\s*"([^"]*)"\)/gm)) {
  kernels.set(m[1], { n: Number(m[2]), what: m[3] });
}

function usage() {
  console.error('usage: node node_runner.mjs [--runs K] --dir DIR [KERNEL[:N] ...]');
  for (const [name, k] of kernels) console.error(`    ${name.padEnd(8)} n=${k.n}\t${k.what}`);
  process.exit(2);
}

let runs = 3;
let dir = '';
const requests = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  const a = argv[i];
  if (a === '--runs' && i + 1 < argv.length) {
    runs = Number(argv[++i]);
  } else if (a === '--dir' && i + 1 < argv.length) {
    dir = argv[++i];
  } else if (!a.startsWith('-')) {
    const [name, n] = a.split(':');
    if (!kernels.has(name)) {
      console.error(`node_runner: unknown kernel ${name}`);
      usage();
    }
    requests.push({ name, n: n === undefined ? kernels.get(name).n : Number(n) });
  } else {
    usage();
  }
}
if (!dir || !(runs >= 1)) usage();
if (requests.length === 0) for (const [name, k] of kernels) requests.push({ name, n: k.n });

let status = 0;
for (const { name, n } of requests) {
  const bytes = readFileSync(join(dir, `ws_kernel_${name}.wasm`));
  const t0 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const compileSeconds = (performance.now() - t0) / 1e3;
  const { run } = new WebAssembly.Instance(module, {}).exports;
  const checksum = BigInt.asIntN(64, BigInt(run(n)));
  let best = Infinity;
  for (let i = 0; i < runs; ++i) {
    const start = performance.now();
    const sum = BigInt.asIntN(64, BigInt(run(n)));
    const seconds = (performance.now() - start) / 1e3;
    if (sum !== checksum) {
      console.error(`node_runner: ${name} returned different checksums across calls`);
      status = 1;
    }
    best = Math.min(best, seconds);
  }
  // node_compile_seconds: synchronous WebAssembly.Module (V8 compiles lazily, so it is small).
  console.log(JSON.stringify({
    runner: 'node', kernel: name, n, runs, seconds: Number(best.toFixed(6)),
    checksum: checksum.toString(), node_compile_seconds: Number(compileSeconds.toFixed(6)),
  }));
}
process.exit(status);
