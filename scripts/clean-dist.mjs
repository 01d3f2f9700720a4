// A build always starts from an empty dist/: a handler deleted from handlers/ must not live on as stale output.
import { rmSync } from 'node:fs';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
