// Shared setup for the simulator's tests: an app on supertest with a controllable clock.
import request from 'supertest';
import { createSimulatorApp } from '../../src/simulator/index.js';

export const CREDS = { clientId: 'sim-client', clientSecret: 'sim-secret-value' };

export function fakeClock(start = Date.parse('2025-01-01T00:00:00Z')) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

export async function setup(opts: { tokenExpiresInSeconds?: number; reuseActiveToken?: boolean; checkRelations?: boolean } = {}) {
  const clock = fakeClock();
  const { app, sim } = createSimulatorApp({ ...CREDS, clock, ...opts });
  const tokenRes = await request(app).post('/v1/auth/access_token').send(CREDS);
  const auth = { authorization: `Bearer ${tokenRes.body.accessToken as string}` };
  return { app, sim, clock, auth, token: tokenRes.body.accessToken as string };
}
