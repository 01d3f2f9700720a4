// `npm run trigger` against the service as `npm start` runs it without credentials, and against the
// simulator acting as Port (credentials set): exit codes, log lines in order, named usage errors.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/server.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runTrigger } from '../../src/trigger/trigger.js';
import { simJson, startDevStack, HANDLERS, type DevStack } from './stack.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let stack: DevStack;
let tmp: string;

beforeAll(async () => {
  stack = await startDevStack();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'trigger-'));
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function trigger(argv: string[], env: Record<string, string> = stack.env) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await runTrigger(argv, { env, cwd: tmp, stdout, stderr, tty: false, signal: new AbortController().signal, pollMs: 50 });
  return { code, lines: out.split('\n').filter(Boolean), stderr: err };
}

describe('npm run trigger (local simulator)', () => {
  it('when the run succeeds, then each log line is printed in order, then the status and label, and it exits 0', async () => {
    const r = await trigger(['three_steps', '--input', 'count=2', '--input', 'tier=gold']);
    expect(r.lines).toEqual(['step 1 of 3 (count 2, gold)', 'step 2 of 3 (count 2, gold)', 'step 3 of 3 (count 2, gold)', 'SUCCESS: all steps done']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/run r_\w+ of three_steps started: http:\/\/127\.0\.0\.1:\d+\/runs\/r_\w+/);
  });

  it('when inputs come from a file and the v1 shape is asked for, then the run gets them typed', async () => {
    writeFileSync(path.join(tmp, 'inputs.json'), JSON.stringify({ count: 7, notify: true }));
    const r = await trigger(['three_steps', '--inputs-file', 'inputs.json', '--shape', 'v1']);
    expect(r.lines[0]).toBe('step 1 of 3 (count 7, silver)');
    expect(r.code).toBe(0);
  });

  it('when the handler throws, then FAILURE with its label is printed and it exits 1', async () => {
    const r = await trigger(['deploy_fails', '--input', 'version=9.9', '--shape', 'default']);
    expect(r.lines).toEqual(['starting deploy of 9.9', 'FAILURE: deploy target unreachable']);
    expect(r.code).toBe(1);
  });

  it('when a day-2 action names an entity, then the handler gets it', async () => {
    await simJson(stack.page, '/_sim/entities/service', { identifier: 'billing', properties: {} });
    const r = await trigger(['restart_service', '--entity', 'billing', '--input', 'reason=stuck']);
    expect(r.lines).toEqual(['restarted billing', 'SUCCESS']);
    expect(r.code).toBe(0);
  });

  it.each([
    [['no_such_action'], "unknown action 'no_such_action' (loaded actions: create_microservice, deploy_fails, restart_service, three_steps)"],
    [['three_steps', '--input', 'count=many'], "input 'count': expected a number, got 'many'"],
    [['three_steps', '--input', 'count=1', '--input', 'colour=red'], "input 'colour': unknown input for action 'three_steps'"],
    [['three_steps'], "input 'count': is required"],
    [['three_steps', '--input', 'count=1', '--input', 'tier=bronze'], "input 'tier': 'bronze' is not one of 'gold', 'silver'"],
    [['restart_service', '--entity', 'ghost', '--input', 'reason=x'], "no entity 'ghost' of blueprint 'service'"],
    [['three_steps', '--shape', 'v3'], "--shape must be one of v1, v2, default, got 'v3'"],
    [['--input', 'count=1'], 'which action?'],
    [['three_steps', '--input', 'count'], "--input expects key=value, got 'count'"],
  ])('when the arguments are %j, then it exits 2 naming the problem and starts no run', async (argv, message) => {
    const before = (await simJson(stack.page, '/_sim/runs')).runs.length;
    const r = await trigger(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.lines).toEqual([]);
    expect((await simJson(stack.page, '/_sim/runs')).runs.length).toBe(before);
  });

  it('when no service listens on PORT, then it exits 2 naming PORT', async () => {
    const r = await trigger(['three_steps', '--input', 'count=1'], { ...stack.env, PORT: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no service answers at http://127.0.0.1:1 (PORT)');
  });

  it('when PORT and SIMULATOR_PORT come from .env, then it finds the service there', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trigger-env-'));
    writeFileSync(path.join(dir, '.env'), `PORT=${stack.env.PORT}\nSIMULATOR_PORT=${stack.env.SIMULATOR_PORT}\n`);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const code = await runTrigger(['three_steps', '--input', 'count=1'], { env: {}, cwd: dir, stdout, stderr: new PassThrough(), tty: false, signal: new AbortController().signal });
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(out).toContain('SUCCESS: all steps done');
  });

  it('when the command is interrupted with Ctrl-C, then it stops following (exit 130) and the run still finishes', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/trigger.mjs'), 'three_steps', '--input', 'count=1', '--input', 'pauseMs=1500'], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? '', ...stack.env },
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('step 1 of 3')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(err).toMatch(/stopped following run (r_\w+): the run goes on/);
    const runId = /stopped following run (r_\w+)/.exec(err)![1];
    for (;;) {
      const { run } = await simJson(stack.page, `/_sim/runs/${runId}`);
      if (run.status !== 'IN_PROGRESS') {
        expect(run.status).toBe('SUCCESS');
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 30_000);
});

describe('npm run trigger (Port credentials; the simulator acting as Port)', () => {
  const CREDS = { clientId: 'trigger-client', clientSecret: 'trigger-secret-0123456789abcdef0123' };
  let port: RunningSimulator;
  let service: Service;
  let dataDir: string;

  beforeAll(async () => {
    port = await startSimulator({ port: 0, ...CREDS });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'trigger-port-'));
    service = await startService({
      env: { NODE_ENV: 'test', PORT: '0', PORT_CLIENT_ID: CREDS.clientId, PORT_CLIENT_SECRET: CREDS.clientSecret, PORT_API_URL: port.url, HANDLERS_DIR: HANDLERS, DATA_DIR: dataDir, SYNC_ACTIONS_ON_START: 'true', PUBLIC_URL: 'http://127.0.0.1:9' },
      logger: silentLogger(),
    });
    // The service syncs its handlers' actions into Port in the background at start: wait for them.
    while (!port.sim.action('three_steps') || !port.sim.action('deploy_fails')) await new Promise((r) => setTimeout(r, 20));
    // What Port does after POST /v1/actions/{id}/runs: deliver the new run to the action's webhook.
    port.sim.recorder.onRecord((rec) => {
      if (rec.route !== '/v1/actions/{action_identifier}/runs' || rec.status !== 202) return;
      const run = port.sim.runs().at(-1)!;
      void port.sim.deliver({ url: `${service.url}/webhook`, runId: run.id, action: run.action.identifier, shape: 'trigger', inputs: run.properties });
    });
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await port?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ PORT_CLIENT_ID: CREDS.clientId, PORT_CLIENT_SECRET: CREDS.clientSecret, PORT_API_URL: port.url });

  it('when the action or an input is wrong, then Port\'s definition names it, it exits 2 and no run is created', async () => {
    const before = port.sim.runs().length;
    const unknown = await trigger(['nope'], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown action 'nope': Port has no self-service action with that identifier");
    const bad = await trigger(['three_steps', '--input', 'count=lots'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("input 'count': expected a number, got 'lots'");
    expect(port.sim.runs().length).toBe(before);
  });

  it('when --input text is given for a number input, then Port\'s definition types it and the run succeeds', async () => {
    const r = await trigger(['three_steps', '--input', 'count=3'], env());
    expect(r.lines.at(-1)).toBe('SUCCESS: all steps done');
    expect(r.code).toBe(0);
  });

  it('when typed inputs come from a file, then the run is followed to SUCCESS through Port\'s API', async () => {
    writeFileSync(path.join(tmp, 'port-inputs.json'), JSON.stringify({ count: 3 }));
    const r = await trigger(['three_steps', '--inputs-file', 'port-inputs.json'], env());
    expect(r.lines).toEqual(['step 1 of 3 (count 3, silver)', 'step 2 of 3 (count 3, silver)', 'step 3 of 3 (count 3, silver)', 'SUCCESS: all steps done']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/run r_\w+ of three_steps created in Port/);
    const routes = port.sim.requests().map((q) => `${q.method} ${q.route}`);
    expect(routes).toContain('POST /v1/actions/{action_identifier}/runs');
    expect(routes).toContain('GET /v1/actions/runs/{run_id}/logs');
    expect(port.sim.violations()).toEqual([]);
  });

  it('when the handler fails in Port, then it exits 1 with the label', async () => {
    const r = await trigger(['deploy_fails', '--input', 'version=1'], env());
    expect(r.lines).toEqual(['starting deploy of 1', 'FAILURE: deploy target unreachable']);
    expect(r.code).toBe(1);
  });
});
