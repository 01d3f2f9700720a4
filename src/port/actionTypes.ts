// Port's action definition as POST/PUT /v1/actions take it (v2): what `actions export` writes, `sync`
// sends through the Port client, and the simulator stores. Only the parts this service produces are spelled out.

export type UserInputType = 'string' | 'number' | 'boolean' | 'object' | 'array';

/** One entry of `trigger.userInputs.properties`. */
export interface UserInput {
  type: UserInputType;
  title?: string;
  description?: string;
  icon?: string;
  format?: string;
  /** For format `entity`: the blueprint the user picks an entity of. */
  blueprint?: string;
  enum?: unknown[];
  enumTitles?: Record<string, string>;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Omit<UserInput, 'title' | 'description' | 'default' | 'icon'>;
  encryption?: 'aes256-gcm';
  [key: string]: unknown;
}

export interface UserInputs {
  properties: Record<string, UserInput>;
  required: string[];
  order: string[];
}

export interface SelfServiceTrigger {
  type: 'self-service';
  operation: 'CREATE' | 'DAY-2' | 'DELETE';
  blueprintIdentifier?: string;
  userInputs: UserInputs;
}

export interface AutomationTrigger {
  type: 'automation';
  event: { type: string; blueprintIdentifier?: string; actionIdentifier?: string; propertyIdentifier?: string };
  condition?: { type: 'JQ'; expressions: string[]; combinator?: 'and' | 'or' };
}

export interface WebhookInvocation {
  type: 'WEBHOOK';
  url: string;
  agent: boolean;
  synchronized: boolean;
  method: 'POST';
}

export interface PortActionDefinition {
  identifier: string;
  title?: string;
  description?: string;
  icon?: string;
  trigger: SelfServiceTrigger | AutomationTrigger;
  invocationMethod: WebhookInvocation;
  requiredApproval?: boolean | { type: 'ANY' | 'ALL' };
  publish?: boolean;
}

/** An action as Port answers it: the definition plus what Port adds (timestamps, authors, …). */
export type PortAction = PortActionDefinition & { createdAt?: string; updatedAt?: string; createdBy?: string; updatedBy?: string; [key: string]: unknown };
