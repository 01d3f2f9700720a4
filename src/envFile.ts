// `.env` in the working directory, read by `npm start` and `npm run trigger` alike so both find the same
// ports and credentials. A variable set in the environment wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

export function withEnvFile(env: Record<string, string | undefined>, cwd = process.cwd()): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return env;
  const fromFile = parseEnv(readFileSync(file, 'utf8'));
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...set };
}
