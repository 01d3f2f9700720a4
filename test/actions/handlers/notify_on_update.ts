// An automation-only handler with every kind of metadata the export writes.
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  automation: { identifier: 'notify_on_update', event: 'ENTITY_UPDATED', blueprint: 'service', title: 'Notify on update', condition: { expressions: ['.diff.after.properties.language != .diff.before.properties.language'], combinator: 'and' } },
  async run(ctx) {
    await ctx.reporter.log(`updated ${ctx.event.diff.after.identifier} (was ${ctx.event.diff.before.title ?? 'untitled'})`);
  },
});
