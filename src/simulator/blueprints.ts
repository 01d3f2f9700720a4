// Blueprints the tests (and the test kit) put in place for ctx.port.getBlueprint. A blueprint that was
// never seeded but has entities answers with an empty schema, as the catalog implies it exists.
import type { Clock } from '../clock.js';
import type { PortBlueprint } from '../port/types.js';
import { notFound } from './simError.js';

const AUTHOR = 'sim-machine';

export class SimBlueprints {
  private readonly byId = new Map<string, PortBlueprint>();

  constructor(private readonly clock: Clock) {}

  seed(blueprint: Partial<PortBlueprint> & { identifier: string }): PortBlueprint {
    const at = new Date(this.clock.now()).toISOString();
    const stored: PortBlueprint = {
      title: blueprint.identifier,
      schema: { properties: {}, required: [] },
      relations: {},
      createdBy: AUTHOR,
      updatedBy: AUTHOR,
      createdAt: at,
      updatedAt: at,
      ...structuredClone(blueprint),
    };
    this.byId.set(blueprint.identifier, stored);
    return stored;
  }

  get(identifier: string, hasEntities: boolean): PortBlueprint {
    const found = this.byId.get(identifier);
    if (found) return found;
    if (hasEntities) return this.seed({ identifier });
    throw notFound(`Blueprint with identifier "${identifier}"`);
  }

  clear(): void {
    this.byId.clear();
  }
}
