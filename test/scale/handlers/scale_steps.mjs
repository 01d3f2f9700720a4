// A resumable handler of three steps, in plain ESM so the built service loads it as is. Each execution
// appends `start <pid>` and each step `<step> <pid>` to SCALE_MARKER_DIR/<runId>, so the tests count from
// outside which replica ran which step how often. Step two takes `twoMs` the first time it runs anywhere
// (counted in that shared file), then `againMs`: a replica can be stopped inside it, and the one that
// resumes the run finishes it.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineHandler } from '../../../dist/src/index.js';

const file = (runId) => path.join(process.env.SCALE_MARKER_DIR ?? '', runId);
const mark = (runId, what) => {
  if (process.env.SCALE_MARKER_DIR) appendFileSync(file(runId), `${what} ${process.pid}\n`);
};
const times = (runId, what) =>
  existsSync(file(runId)) ? readFileSync(file(runId), 'utf8').split('\n').filter((l) => l.startsWith(`${what} `)).length : 0;

export default defineHandler({
  action: 'scale_steps',
  resumable: true,
  async run(ctx) {
    const { twoMs = 60_000, againMs = 50 } = ctx.inputs;
    mark(ctx.runId, 'start');
    await ctx.reporter.log('starting');
    const one = await ctx.step('one', async () => {
      mark(ctx.runId, 'one');
      await ctx.reporter.log('step one done');
      return 0;
    });
    await ctx.reporter.log(`after one: ${one}`);
    const two = await ctx.step('two', async () => {
      const first = times(ctx.runId, 'two') === 0;
      mark(ctx.runId, 'two');
      await ctx.reporter.log('step two started');
      await sleep(first ? twoMs : againMs, undefined, { signal: ctx.signal });
      return { pr: 42 };
    });
    await ctx.reporter.log(`after two: pr ${two.pr}`);
    await ctx.step('three', async () => {
      mark(ctx.runId, 'three');
      await ctx.reporter.log('step three done');
    });
  },
});
