// The node:http floor plus the journal: verify the HMAC, parse the JSON, accept the run through the async
// SQLite store, answer 202 once the accept resolved (the service's "durable before the 202"). Measured
// beside the bare floor, it isolates what journaling a delivery costs per commit mode (BENCH_COMMIT:
// before | each | microtask | turn; see journal.ts for 'before').
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Invocation } from '../../src/normalize/invocation.js';
import { verifyHmac } from '../floors.js';
import { GROUP_VARIANTS, openBenchJournal, type GroupVariant } from '../groupCommit.js';

type Env = Record<string, string | undefined>;

/** No queue bound: nothing claims the runs here, and a bound would turn the load into 503s. */
const MAX_QUEUED = 0;

export async function startJournalHttpTarget(env: Env): Promise<{ url: string; stop(): Promise<void>; stats(): unknown }> {
  const secret = env.BENCH_SECRET ?? '';
  const variant = (env.BENCH_COMMIT ?? 'turn') as GroupVariant;
  if (!GROUP_VARIANTS.includes(variant)) throw new Error(`BENCH_COMMIT=${variant}: expected one of ${GROUP_VARIANTS.join(', ')}`);
  const journal = openBenchJournal(variant, 'port-runner-journal-http');
  const { store } = journal;
  let accepted = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const answer = (status: number, json: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(json);
      if (!verifyHmac(secret, req.headers['x-port-timestamp'] as string | undefined, req.headers['x-port-signature'] as string | undefined, body)) {
        answer(401, '{"ok":false,"error":"invalid_signature"}');
        return;
      }
      let parsed: { action?: string; context?: { runId?: string; blueprint?: string }; payload?: { properties?: Record<string, unknown> } };
      try {
        parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
      } catch {
        answer(400, '{"ok":false,"error":"invalid_json"}');
        return;
      }
      const runId = parsed.context?.runId ?? '';
      const invocation: Invocation = {
        runId,
        action: parsed.action ?? null,
        blueprint: parsed.context?.blueprint ?? null,
        inputs: parsed.payload?.properties ?? {},
        entity: null,
        trigger: null,
        payload: parsed,
      };
      store.accept({ runId, action: invocation.action, invocation, synchronized: false }, Date.now(), MAX_QUEUED).then(
        (verdict) => {
          if (verdict === 'accepted') accepted++;
          answer(verdict === 'accepted' ? 202 : 409, JSON.stringify({ ok: verdict === 'accepted', runId }));
        },
        () => answer(503, '{"ok":false,"error":"journal_unavailable"}'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ commits: journal.commits(), accepted }),
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => {
          journal.close();
          done();
        });
        server.closeAllConnections();
      }),
  };
}
