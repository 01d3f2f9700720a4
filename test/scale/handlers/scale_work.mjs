// Plain ESM so the built service (dist/) loads it as is. Every execution and every log line whose
// log() resolved (i.e. the service has stored it) is appended to a marker file per run, so the tests
// count executions and owed log lines from outside the service: SCALE_MARKER_DIR/<runId>.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineHandler } from '../../../dist/src/index.js';

const mark = (runId, line) => {
  const dir = process.env.SCALE_MARKER_DIR;
  if (dir) appendFileSync(path.join(dir, runId), `${line}\n`);
};

export default defineHandler({
  action: 'scale_work',
  async run(ctx) {
    mark(ctx.runId, `start ${process.pid}`);
    const steps = ctx.inputs.steps ?? 2;
    for (let i = 0; i < steps; i++) {
      await ctx.reporter.log(`step ${i}`);
      mark(ctx.runId, `logged step ${i}`);
      await sleep(ctx.inputs.stepMs ?? 0, undefined, { signal: ctx.signal });
    }
    await ctx.reporter.log('done');
    mark(ctx.runId, 'logged done');
  },
});
