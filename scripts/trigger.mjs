// `npm run trigger -- <action> ...`: runs the compiled command, building first when there is no build yet
// (it does not rebuild an existing one: the service that `npm start` runs from dist/ may be using it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/src/trigger/cli.js');
if (!existsSync(cli)) {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) process.exit(2);
}
await import(pathToFileURL(cli).href);
