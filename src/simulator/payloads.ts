// Webhook bodies in the shapes Port sends, modelled on the vendored fixtures: the legacy v1 envelope
// (port-webhook-v1-create.json), the v2 trigger data (port-webhook-v2-trigger-data-self-service-create.json)
// and Port's default body template (`{...inputs, port_context:{runId}}` with header RUN_ID).
import type { PortEntity } from '../port/types.js';

export type DeliveryShape = 'v1' | 'trigger' | 'default-template' | 'url-action';

export interface PayloadInput {
  shape: DeliveryShape;
  runId: string;
  action: string;
  blueprint: string | null;
  inputs: Record<string, unknown>;
  entity: PortEntity | null;
  url: string;
  at: string;
}

export interface RenderedDelivery {
  url: string;
  body: unknown;
  /** Headers the action's invocation method adds (the default template's RUN_ID). */
  headers: Record<string, string>;
}

const TRIGGER_BY = {
  orgId: 'org_SimulatedOrg0001',
  userId: 'auth0|sim-user',
  user: { email: 'sim-user@example.com', firstName: 'Sim', lastName: 'User', id: 'auth0|sim-user' },
};

export function renderDelivery(p: PayloadInput): RenderedDelivery {
  const operation = p.entity ? 'DAY-2' : 'CREATE';
  switch (p.shape) {
    case 'v1':
      return {
        url: p.url,
        headers: {},
        body: {
          action: p.action,
          resourceType: 'run',
          status: 'TRIGGERED',
          trigger: { by: TRIGGER_BY, origin: 'UI', at: p.at },
          context: { entity: p.entity?.identifier ?? null, blueprint: p.blueprint, runId: p.runId },
          payload: {
            entity: p.entity,
            action: { invocationMethod: { type: 'WEBHOOK', url: p.url }, trigger: operation },
            properties: p.inputs,
            censoredProperties: [],
          },
        },
      };
    case 'trigger':
      return {
        url: p.url,
        headers: {},
        body: {
          inputs: p.inputs,
          trigger: { by: TRIGGER_BY, origin: 'UI', at: p.at, operation },
          event: null,
          entity: p.entity ?? {},
          action: { identifier: p.action, blueprint: p.blueprint, encryptedProperties: [] },
          run: { id: p.runId },
        },
      };
    case 'default-template':
    case 'url-action':
      return {
        // The default template carries no action id, so url-action puts it in the URL (POST /webhook/:action).
        url: p.shape === 'url-action' ? `${p.url.replace(/\/+$/, '')}/${encodeURIComponent(p.action)}` : p.url,
        headers: { RUN_ID: p.runId },
        body: { ...p.inputs, port_context: { runId: p.runId } },
      };
  }
}
