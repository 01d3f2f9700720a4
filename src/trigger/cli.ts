// The process of `npm run trigger`: Ctrl-C stops following (the run itself goes on), then exit.
import { runTrigger } from './trigger.js';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
const code = await runTrigger(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  tty: Boolean(process.stderr.isTTY),
  signal: interrupt.signal,
});
process.exit(code);
