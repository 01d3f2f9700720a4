// The simulated /v1/actions operations (actions and automations), over SimActions.
import type { PortActionDefinition } from '../port/actionTypes.js';
import type { ActionFilter, SimActions } from './actions.js';
import type { PortRoute } from './portRoutes.js';

export function createActionRoutes(actions: SimActions): Record<string, PortRoute> {
  return {
    'POST /v1/actions': ({ body }) => ({ status: 201, body: { ok: true, action: actions.create(body as PortActionDefinition) } }),
    'GET /v1/actions': ({ query }) => ({ status: 200, body: { ok: true, actions: actions.list(query as ActionFilter) } }),
    'GET /v1/actions/{action_identifier}': ({ params }) => ({ status: 200, body: { ok: true, action: actions.get(params.action_identifier) } }),
    'PUT /v1/actions/{action_identifier}': ({ params, body }) => ({
      status: 200,
      body: { ok: true, action: actions.replace(params.action_identifier, body as PortActionDefinition) },
    }),
    'DELETE /v1/actions/{action_identifier}': ({ params }) => {
      actions.remove(params.action_identifier);
      return { status: 200, body: { ok: true } };
    },
  };
}
