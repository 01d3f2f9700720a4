// Process entry of `npm run actions`.
import { runActionsCli } from './cli.js';

process.exitCode = await runActionsCli(process.argv.slice(2));
