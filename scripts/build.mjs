// `npm run build`: a clean dist/ (a deleted handler must not live on as stale output), then tsc.
// Type errors in the service itself fail the build. Type errors only in handler files are printed loudly
// but do not stop `npm start`: tsc still emits them, and a handler's own tests are where they get fixed.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
if (result.status === 0) process.exit(0);

const errorFiles = [...output.matchAll(/^(.+?)\(\d+,\d+\): error TS\d+/gm)].map((m) => path.resolve(root, m[1]));
const onlyHandlers = errorFiles.length > 0 && errorFiles.every((f) => path.relative(root, f).split(path.sep)[0] === 'handlers');
console.error(output);
if (onlyHandlers && existsSync(path.join(root, 'dist/src/main.js'))) {
  console.error(`\nbuild: the type errors above are in handler files only; they were compiled anyway. Fix them (npm run typecheck).`);
  process.exit(0);
}
console.error('\nbuild failed');
process.exit(result.status ?? 1);
