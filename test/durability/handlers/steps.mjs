// A resumable handler of three steps; each step appends its name to the marker file (counted from outside).
// Step two takes `twoMs` the first `slowRuns` times it runs (default 1), then 50 ms, so a test can interrupt
// it and then let it finish.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineHandler } from '../../../dist/src/index.js';

export default defineHandler({
  action: 'three_steps',
  resumable: true,
  async run(ctx) {
    const { marker, twoMs = 50, slowRuns = 1 } = ctx.inputs;
    const ran = (name) => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter((l) => l === name).length : 0);
    const mark = (name) => appendFileSync(marker, `${name}\n`);
    await ctx.reporter.log('starting');
    const one = await ctx.step('one', async () => {
      mark('one');
      await ctx.reporter.log('step one done');
      return 0;
    });
    await ctx.reporter.log(`after one: ${one}`);
    const two = await ctx.step('two', async () => {
      const slow = ran('two') < slowRuns;
      mark('two');
      await ctx.reporter.log('step two started');
      await sleep(slow ? twoMs : 50, undefined, { signal: ctx.signal });
      return { pr: 42 };
    });
    await ctx.reporter.log(`after two: pr ${two.pr}`);
    await ctx.step('three', async () => {
      mark('three');
      await ctx.reporter.log('step three done');
    });
  },
});
