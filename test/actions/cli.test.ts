import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runActionsCli } from '../../src/actions/cli.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { openApiValidator } from '../../src/simulator/openapi.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HANDLERS = path.join(here, 'handlers');
const CREDS = { clientId: 'cli-client', clientSecret: 'cli-secret-0123456789' };
const PUBLIC_URL = 'https://runner.example.com';
const WEBHOOK = `${PUBLIC_URL}/webhook`;

let simulator: RunningSimulator;
beforeAll(async () => {
  simulator = await startSimulator(CREDS);
});
afterAll(() => simulator.close());
beforeEach(() => simulator.sim.reset());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { NODE_ENV: 'test', PORT_CLIENT_ID: CREDS.clientId, PORT_CLIENT_SECRET: CREDS.clientSecret, PORT_API_URL: simulator.url, PUBLIC_URL, HANDLERS_DIR: HANDLERS };
  const code = await runActionsCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const elsewhere = {
  identifier: 'someone_elses',
  trigger: { type: 'self-service' as const, operation: 'CREATE' as const, userInputs: { properties: {}, required: [], order: [] } },
  invocationMethod: { type: 'WEBHOOK' as const, url: 'https://other.example.com/webhook', agent: false, synchronized: false, method: 'POST' as const },
};

describe('npm run actions', () => {
  it('when export is run, then one valid Port action JSON per definition is written to the directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'actions-export-'));
    try {
      const r = await cli('export', dir);
      expect(r).toMatchObject({ code: 0, err: [] });
      expect(readdirSync(dir).sort()).toEqual(['notify_on_update.json', 'restart_service.json', 'restart_service_watch.json']);
      for (const file of readdirSync(dir)) {
        const def = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
        expect(def.invocationMethod.url).toBe(WEBHOOK);
        expect(openApiValidator().bodyErrors('POST /v1/actions', def)).toBeNull();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when sync runs twice against the simulator, then the first creates every action and the second reports no change', async () => {
    const first = await cli('sync');
    expect(first.code).toBe(0);
    expect(first.out).toEqual(['created notify_on_update', 'created restart_service', 'created restart_service_watch', 'sync: 3 created, 0 updated, 0 deleted, 0 unchanged']);
    expect(simulator.sim.actions().map((a) => a.identifier)).toEqual(['notify_on_update', 'restart_service', 'restart_service_watch']);

    const second = await cli('sync');
    expect(second).toEqual({ code: 0, out: ['sync: no change (3 up to date)'], err: [] });
    expect(simulator.sim.requests({ method: 'PUT' })).toEqual([]);
  });

  it('when Port has the same actions, then diff exits 0; after Port\'s copy is changed, 1 naming the field; after sync, 0 again', async () => {
    await cli('sync');
    expect((await cli('diff')).code).toBe(0);

    const changed = simulator.sim.action('restart_service')!;
    const { createdAt: _c, createdBy: _cb, updatedAt: _u, updatedBy: _ub, ...def } = changed;
    (def.trigger as { userInputs: { properties: Record<string, { title?: string }> } }).userInputs.properties.reason.title = 'Why';
    simulator.sim.replaceAction(def as never);

    const drift = await cli('diff');
    expect(drift.code).toBe(1);
    expect(drift.out).toEqual([
      '~ restart_service: 1 field differs',
      '    trigger.userInputs.properties.reason.title: Port "Why" → handlers "Reason"',
      'diff: Port differs from the handlers (npm run actions -- sync applies them)',
    ]);

    const sync = await cli('sync');
    expect(sync.out).toContain('updated restart_service (trigger.userInputs.properties.reason.title)');
    expect((await cli('diff')).code).toBe(0);
  });

  it('when an action is missing from Port, then diff exits 1 listing it', async () => {
    const r = await cli('diff');
    expect(r.code).toBe(1);
    expect(r.out).toContain('+ notify_on_update: not in Port (automation)');
  });

  it('when sync --prune runs, then only actions calling this service\'s webhook without a handler are deleted', async () => {
    simulator.sim.createAction(elsewhere);
    simulator.sim.createAction({ ...elsewhere, identifier: 'retired', invocationMethod: { ...elsewhere.invocationMethod, url: WEBHOOK } });
    simulator.sim.createAction({ ...elsewhere, identifier: 'retired_url_form', invocationMethod: { ...elsewhere.invocationMethod, url: `${WEBHOOK}/retired_url_form` } });

    const plain = await cli('sync');
    expect(plain.out).toContain('  retired: points at this service but has no handler (kept; sync --prune deletes it)');
    expect(simulator.sim.action('retired')).toBeDefined();

    const pruned = await cli('sync', '--prune');
    expect(pruned.code).toBe(0);
    expect(pruned.out).toEqual(['deleted retired', 'deleted retired_url_form', 'sync: 0 created, 0 updated, 2 deleted, 3 unchanged']);
    expect(simulator.sim.actions().map((a) => a.identifier).sort()).toEqual(['notify_on_update', 'restart_service', 'restart_service_watch', 'someone_elses']);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [[], 'no command'],
    [['diff', 'extra'], 'diff takes no arguments besides --prune'],
    [['sync', '--force'], 'sync takes no arguments besides --prune'],
  ])('when the command line is %j, then it exits 2 with the usage', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe(`actions: ${message}`);
    expect(r.err[1]).toMatch(/^usage: npm run actions/);
  });

  it('when PUBLIC_URL or the credentials are missing, then it exits 2 naming them', async () => {
    const urlErrs: string[] = [];
    const noUrl = await runActionsCli(['export'], { env: { NODE_ENV: 'test', HANDLERS_DIR: HANDLERS }, out: () => {}, err: (l) => urlErrs.push(l) });
    expect(noUrl).toBe(2);
    expect(urlErrs[0]).toMatch(/^actions: PUBLIC_URL is not set/);
    const errs: string[] = [];
    const noCreds = await runActionsCli(['diff'], { env: { NODE_ENV: 'test', HANDLERS_DIR: HANDLERS, PUBLIC_URL }, out: () => {}, err: (l) => errs.push(l) });
    expect(noCreds).toBe(2);
    expect(errs[0]).toMatch(/PORT_CLIENT_ID and PORT_CLIENT_SECRET/);
  });

  it('when Port refuses an action, then sync reports it, applies the rest and exits 1', async () => {
    simulator.sim.failNext({ route: 'POST /v1/actions', status: 422, count: 1, body: { ok: false, error: 'invalid_request', message: 'refused' } });
    const r = await cli('sync');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/^error: could not create notify_on_update: .*refused/)]);
    expect(simulator.sim.actions().map((a) => a.identifier)).toEqual(['restart_service', 'restart_service_watch']);
  });
});
