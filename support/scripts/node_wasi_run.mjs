// Runs a WASI (preview1) module under node's WASI with wasmrun's command line: a dev check for
// the test drivers of test/real before wasmrun exists, and the node column of bench/wasi.
//
//   node node_wasi_run.mjs [--dir GUEST:HOST[:ro]] [--env K=V] [--trap-unknown-imports]
//                          [--invoke NAME] module.wasm [args...]
//
// --trap-unknown-imports: imports outside wasi_snapshot_preview1 become functions that throw when
// called. --invoke NAME: treat the module as a reactor (node's wasi.initialize runs _initialize),
// then call export NAME unless it is _initialize itself. node has no read-only preopens: ":ro"
// is accepted and ignored. Exits with the guest's exit code (1 when a call throws).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

function usage(msg) {
  if (msg) console.error(`node_wasi_run: ${msg}`);
  console.error('usage: node_wasi_run.mjs [--dir GUEST:HOST[:ro]] [--env K=V] ' +
                '[--trap-unknown-imports] [--invoke NAME] module.wasm [args...]');
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let trapUnknown = false;
let invoke = '';
let i = 0;
for (; i < argv.length; ++i) {
  const a = argv[i];
  if (a === '--dir' && i + 1 < argv.length) {
    const parts = argv[++i].split(':');
    if (parts.length < 2 || parts.length > 3) usage(`--dir wants GUEST:HOST[:ro], got ${argv[i]}`);
    preopens[parts[0]] = parts[1];
  } else if (a === '--env' && i + 1 < argv.length) {
    const kv = argv[++i];
    const eq = kv.indexOf('=');
    if (eq <= 0) usage(`--env wants K=V, got ${kv}`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else if (a === '--trap-unknown-imports') {
    trapUnknown = true;
  } else if (a === '--invoke' && i + 1 < argv.length) {
    invoke = argv[++i];
  } else if (a === '--') {
    ++i;
    break;
  } else if (a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    break;
  }
}
if (i >= argv.length) usage('no module');

const file = argv[i];
const wasi = new WASI({ version: 'preview1', args: [file, ...argv.slice(i + 1)], env, preopens,
                        returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const imports = wasi.getImportObject();
if (trapUnknown) {
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function' || imports[imp.module]?.[imp.name]) continue;
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => {
      throw new Error(`unknown import ${imp.module}.${imp.name} called`);
    };
  }
}
const instance = await WebAssembly.instantiate(module, imports);
if (invoke === '') {
  process.exitCode = wasi.start(instance);
} else {
  wasi.initialize(instance);
  if (invoke !== '_initialize') {
    const fn = instance.exports[invoke];
    if (typeof fn !== 'function') usage(`no exported function ${invoke}`);
    const result = fn();
    if (result !== undefined) console.log(String(result));
  }
}
