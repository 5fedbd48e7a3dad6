// Cross-checks the expected outputs against node's WASI (uvwasi): runs each case of cases.json
// that node can run (no --tcplisten, not cli_only) on the same host fixture and prints a diff.
// usage: node --no-warnings test/wasi/node_check.mjs MODULE_DIR [CASE...] [--write]
//   --write  store node's stdout/stderr as the expected files (review every change!)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function makeFixture() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-wasi-node-'));
  fs.mkdirSync(path.join(tmp, 'sandbox/sub'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'outside'));
  fs.mkdirSync(path.join(tmp, 'readonly'));
  fs.writeFileSync(path.join(tmp, 'sandbox/hello.txt'), 'hello, sandbox\n');
  fs.writeFileSync(path.join(tmp, 'sandbox/sub/inner.txt'), 'inner\n');
  fs.writeFileSync(path.join(tmp, 'outside/secret.txt'), 'secret\n');
  fs.writeFileSync(path.join(tmp, 'readonly/ro.txt'), 'read only\n');
  const links = {
    escape_abs: '/', escape_etc: '/etc/passwd', escape_rel: '../outside',
    escape_file: '../outside/secret.txt', chain1: 'chain2', chain2: 'sub/../chain3',
    chain3: '../outside/secret.txt', proc_root: '/proc/self/root', proc_fd: '/proc/self/fd',
    inside_link: 'sub/inner.txt', to_readonly: '../readonly/ro.txt', loop: 'loop',
  };
  for (const [name, target] of Object.entries(links)) {
    fs.symlinkSync(target, path.join(tmp, 'sandbox', name));
  }
  return tmp;
}

function expand(s, tmp) {
  return s.replaceAll('{tmp}', tmp).replaceAll('{sandbox}', tmp + '/sandbox')
      .replaceAll('{readonly}', tmp + '/readonly');
}

// Child mode: run one module under node:wasi.
if (process.argv[2] === '--child') {
  const { WASI } = await import('node:wasi');
  const spec = JSON.parse(process.argv[3]);
  const wasi = new WASI({
    version: 'preview1', args: spec.args, env: spec.env, preopens: spec.preopens,
    returnOnExit: true, stdin: 0, stdout: 1, stderr: 2,
  });
  const module = await WebAssembly.compile(fs.readFileSync(spec.module));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  let code;
  try {
    code = wasi.start(instance);
  } catch (e) {
    process.stderr.write(`node: trap: ${e.message}\n`);
    code = 134;
  }
  process.exit(code);
}

const moduleDir = process.argv[2];
const write = process.argv.includes('--write');
const only = process.argv.slice(3).filter((a) => a !== '--write');
const cases = JSON.parse(fs.readFileSync(path.join(here, 'cases.json'), 'utf8'));
// proc_raise: uvwasi raises the signal in node itself (SIGSTOP stops it, SIGUSR1 starts its
// inspector), so that case is not run here.
const skipped = new Set(['proc_raise']);
for (const c of cases) {
  if (c.cli_only || (c.options || []).includes('--tcplisten') || skipped.has(c.name)) continue;
  if (only.length && !only.includes(c.name)) continue;
  const tmp = makeFixture();
  const opts = (c.options || []).map((o) => expand(o, tmp));
  const env = {};
  const preopens = {};
  for (let i = 0; i < opts.length; i += 2) {
    if (opts[i] === '--env') {
      const eq = opts[i + 1].indexOf('=');
      env[opts[i + 1].slice(0, eq)] = opts[i + 1].slice(eq + 1);
    } else if (opts[i] === '--dir') {
      const parts = opts[i + 1].replace(/:ro$/, '').split(':');
      preopens[parts[0]] = parts.length > 1 ? parts[1] : parts[0];
    }
  }
  const module = path.join(moduleDir, (c.module || c.name) + '.wasm');
  const spec = { module, args: [module, ...(c.args || [])], env, preopens };
  const r = spawnSync(process.execPath,
      ['--no-warnings', fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)],
      { input: c.stdin || '', encoding: 'utf8', timeout: 20000 });
  const base = path.join(here, 'expected', c.name);
  const want = {
    stdout: fs.existsSync(base + '.stdout') ? fs.readFileSync(base + '.stdout', 'utf8') : '',
    stderr: fs.existsSync(base + '.stderr') ? fs.readFileSync(base + '.stderr', 'utf8') : '',
    exit: c.exit || 0,
  };
  const same = r.stdout === want.stdout && r.stderr === want.stderr && r.status === want.exit;
  console.log(`${same ? 'same' : 'DIFF'} ${c.name} (node exit ${r.status})`);
  if (!same && !write) {
    fs.writeFileSync('/tmp/ws-node-' + c.name + '.stdout', r.stdout);
    const d = spawnSync('diff', ['-u', base + '.stdout', '/tmp/ws-node-' + c.name + '.stdout'],
        { encoding: 'utf8' });
    console.log(d.stdout);
    if (r.stderr !== want.stderr) console.log('stderr: ' + JSON.stringify(r.stderr));
  }
  if (write) {
    fs.writeFileSync(base + '.stdout', r.stdout);
    if (r.stderr) fs.writeFileSync(base + '.stderr', r.stderr);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
