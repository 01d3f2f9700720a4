// Cost of an unauthenticated delivery (`npm run bench:forged`): what a 1 MiB body with a wrong signature
// costs the signature guard before it is refused 401, per call, with one and with three configured secrets
// (client secret + two rotation secrets), next to a correctly signed 1 MiB delivery for reference.
// In-process, one call at a time. Env: BENCH_FORGED_ITERATIONS (30).
import { signPortWebhook } from '../src/verify/sign.js';
import { verifyPortSignature } from '../src/verify/signature.js';
import { envNumber, isMain, MB } from './lib/main.js';
import { fmt, summarize, type Summary } from './lib/stats.js';

export interface ForgedCase {
  name: string;
  /** Milliseconds per verification. */
  ms: Summary;
}

const TIMESTAMP = '1700000000';
const SECRETS = ['client-secret-0123456789abcdef', 'rotation-secret-one-0123456789', 'rotation-secret-two-0123456789'];

/** About 1 MiB of spaced JSON (as a Python relay sends it): strings, numbers, unicode, nesting. */
function megabyteJson(): string {
  const properties: Record<string, unknown> = {};
  let i = 0;
  let text = '';
  while (text.length < MB - 200) {
    properties[`field_${i}`] = { name: `value ${i} café`, size: i * 1.5e-7, count: i, tags: ['a', 'b', i % 2 === 0] };
    i++;
    if (i % 500 === 0) text = JSON.stringify({ context: { runId: 'r_forged' }, payload: { properties } }, null, 1);
  }
  return text;
}

function time(fn: () => void, iterations: number): Summary {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(samples);
}

export function runForgedBench(iterations = envNumber('BENCH_FORGED_ITERATIONS', 30)): { bytes: number; cases: ForgedCase[] } {
  const json = Buffer.from(megabyteJson());
  const notJson = Buffer.from(`x${json.toString('utf8').slice(1)}`);
  const wrongMac = signPortWebhook('not-a-configured-secret', TIMESTAMP, json);
  const refused = (header: string, body: Buffer, secrets: string[]) => () => {
    try {
      verifyPortSignature({ header, timestamp: TIMESTAMP, rawBody: body, secrets });
    } catch {
      return;
    }
    throw new Error('a forged delivery verified');
  };
  const cases: ForgedCase[] = [
    { name: 'JSON body, wrong MAC, 1 secret', ms: time(refused(wrongMac, json, SECRETS.slice(0, 1)), iterations) },
    { name: 'JSON body, wrong MAC, 3 secrets', ms: time(refused(wrongMac, json, SECRETS), iterations) },
    { name: 'JSON body, malformed MAC, 3 secrets', ms: time(refused('v1,forged', json, SECRETS), iterations) },
    { name: 'non-JSON body, wrong MAC, 3 secrets', ms: time(refused(wrongMac, notJson, SECRETS), iterations) },
    {
      name: 'reference: correctly signed (raw), 1 secret',
      ms: time(() => verifyPortSignature({ header: signPortWebhook(SECRETS[0], TIMESTAMP, json), timestamp: TIMESTAMP, rawBody: json, secrets: SECRETS.slice(0, 1) }), iterations),
    },
  ];
  return { bytes: json.length, cases };
}

export function formatForged(r: { bytes: number; cases: ForgedCase[] }): string {
  return [
    `forged deliveries: signature guard on a ${fmt(r.bytes / MB, 2)} MiB body, ms per call (median, p99 of ${r.cases[0]?.ms.n ?? 0})`,
    ...r.cases.map((c) => `  ${c.name.padEnd(46)} ${fmt(c.ms.median, 2).padStart(8)}  p99 ${fmt(c.ms.p99, 2)}`),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatForged(runForgedBench()));
}
