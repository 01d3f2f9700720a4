// Handlers whose behaviour the end-to-end tests provoke: throw, hang, many logs, count executions.
import { z } from 'zod';
import { defineHandler } from '../../../src/index.js';
import { executions } from '../executions.js';

export default defineHandler({
  action: ['e2e_throw', 'e2e_hang', 'e2e_logs', 'e2e_count', 'e2e_links'],
  inputs: z.object({ n: z.number().int().optional() }).passthrough(),
  timeoutMs: 300,
  async run(ctx) {
    executions.set(ctx.runId, (executions.get(ctx.runId) ?? 0) + 1);
    switch (ctx.action) {
      case 'e2e_throw':
        throw new Error('database is down\n    at secretStackFrame (internal.ts:1:1)');
      case 'e2e_hang':
        await new Promise(() => undefined); // ignores ctx.signal on purpose
        return;
      case 'e2e_logs':
        for (let i = 0; i < (ctx.inputs.n ?? 50); i++) void ctx.reporter.log(`line ${i}`);
        return;
      case 'e2e_links':
        await ctx.reporter.setStatusLabel('building');
        await ctx.reporter.addLink('https://ci.example.com/1');
        await ctx.reporter.addLink('https://ci.example.com/2');
        await ctx.reporter.setSummary('two jobs');
        return;
      default:
        return;
    }
  },
});
