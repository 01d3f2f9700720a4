// `npm run dev`: build, start the service (against the embedded Port simulator when no credentials are
// set), and rebuild + restart whenever a file under src/ or handlers/ changes.
import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let child = null;
let timer = null;
let restarting = false;

function build() {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  return r.status === 0;
}

function start() {
  if (!build()) {
    console.error('[dev] build failed: waiting for the next change');
    return;
  }
  child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], { cwd: root, stdio: 'inherit', env: process.env });
  child.once('exit', () => {
    child = null;
  });
}

function stop() {
  return new Promise((resolve) => {
    if (!child) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function restart(file) {
  if (restarting) return;
  restarting = true;
  console.log(`[dev] ${file} changed: rebuilding and restarting`);
  await stop();
  start();
  restarting = false;
}

for (const dir of ['src', 'handlers']) {
  watch(path.join(root, dir), { recursive: true }, (_event, file) => {
    if (!file || !/\.(ts|mjs|js|json)$/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void restart(path.join(dir, file)), 300);
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await stop();
    process.exit(0);
  });
}
start();
