// Empties dist-bench/ before each benchmark build (a deleted bench handler must not linger), and marks it
// ignored by git from inside, so the output never shows up as a change even without a .gitignore entry.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const out = new URL('../dist-bench/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(new URL('.gitignore', out), '*\n');
