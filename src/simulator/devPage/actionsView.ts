// The actions list: one card per action with the form Port would draw from its userInputs (title,
// description, required mark, format, enum, default, order), the payload shape to deliver, and for
// day-2 actions the entity to run on.
import type { SimEntity } from '../types.js';
import type { InputProblem } from './coerceInputs.js';
import { actionBlueprint, actionTitle, entityBlueprint, formInputs, itemsOf, operationOf, type FormInput, type PageActionDefinition } from './definitions.js';
import { flag, html, type SafeHtml } from './html.js';
import { DEFAULT_SHAPE, SHAPES } from './launch.js';

/** What a failed submit sends back into its card: the typed values and what was wrong. */
export interface FormEcho {
  action: string;
  values: Record<string, unknown>;
  entity?: string;
  shape?: string;
  message: string;
  problems: InputProblem[];
}

const idPart = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join('\n');
  return JSON.stringify(v, null, 2);
}

/** An enum value as Port shows it: its title when the definition gives one. */
function optionText(spec: FormInput['spec'], value: unknown): string {
  return spec.enumTitles?.[String(value)] ?? String(value);
}

function control(id: string, name: string, input: FormInput, value: unknown, describedBy: string | null, entities: (bp: string) => SimEntity[], invalid: boolean): SafeHtml {
  const { spec, required } = input;
  const common = html` id="${id}" name="${name}"${flag('required', required && spec.type !== 'boolean')}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
  const text = asText(value);
  if (spec.type === 'boolean') return html`<input type="checkbox" value="true"${common}${flag('checked', value === true || value === 'true')}>`;
  if (spec.type === 'number') {
    return html`<input type="number" step="any"${spec.minimum !== undefined ? html` min="${spec.minimum}"` : ''}${spec.maximum !== undefined ? html` max="${spec.maximum}"` : ''} value="${text}"${common}>`;
  }
  if (spec.enum && spec.type === 'string') {
    return html`<select${common}>${required ? '' : html`<option value="">(none)</option>`}${spec.enum.map(
      (opt) => html`<option value="${String(opt)}"${flag('selected', String(opt) === text)}>${optionText(spec, opt)}</option>`,
    )}</select>`;
  }
  const items = itemsOf(spec);
  if (spec.type === 'array' && items?.enum) {
    const chosen = new Set((Array.isArray(value) ? value : [value]).map(String));
    return html`<select multiple${common}>${items.enum.map((opt) => html`<option value="${String(opt)}"${flag('selected', chosen.has(String(opt)))}>${optionText(spec, opt)}</option>`)}</select>`;
  }
  if (spec.type === 'object' || spec.type === 'array' || ['multi-line', 'markdown', 'yaml'].includes(spec.format ?? '')) {
    return html`<textarea rows="${spec.type === 'string' ? 3 : 4}"${common}>${text}</textarea>`;
  }
  if (spec.format === 'entity' && spec.blueprint) {
    const listId = `${id}-entities`;
    return html`<input type="text" list="${listId}" value="${text}"${common}><datalist id="${listId}">${entities(spec.blueprint).map(
      (e) => html`<option value="${e.identifier}">${e.title ?? ''}</option>`,
    )}</datalist>`;
  }
  const type = ({ email: 'email', url: 'url', color: 'color' } as Record<string, string>)[spec.format ?? ''] ?? 'text';
  return html`<input type="${type}" value="${text}"${common}>`;
}

function hint(input: FormInput): string | null {
  const { spec } = input;
  const parts: string[] = [];
  if (spec.description) parts.push(spec.description);
  if (spec.type === 'array' && !itemsOf(spec)?.enum) parts.push('One item per line.');
  if (spec.type === 'object') parts.push('A JSON object.');
  if (spec.format === 'entity' && spec.blueprint) parts.push(`An entity identifier of blueprint ${spec.blueprint}.`);
  if (spec.format === 'date-time') parts.push('ISO 8601, e.g. 2025-01-31T12:00:00Z.');
  if (spec.format === 'user') parts.push('A user e-mail.');
  if (spec.format === 'team') parts.push('A team identifier.');
  return parts.length ? parts.join(' ') : null;
}

function field(def: PageActionDefinition, input: FormInput, echo: FormEcho | undefined, entities: (bp: string) => SimEntity[]): SafeHtml {
  const id = `in-${idPart(def.identifier)}-${idPart(input.key)}`;
  const problem = echo?.problems.find((p) => p.input === input.key);
  const help = hint(input);
  const describedBy = [help ? `${id}-hint` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ') || null;
  const value = echo ? echo.values[input.key] : input.spec.default;
  const label = html`<label for="${id}">${input.spec.title ?? input.key}${input.required ? html`<span class="req" aria-hidden="true"> *</span><span class="sr"> (required)</span>` : ''}</label>`;
  const ctl = control(id, `in.${input.key}`, input, value, describedBy, entities, Boolean(problem));
  return html`<div class="field${input.spec.type === 'boolean' ? ' check' : ''}">
${input.spec.type === 'boolean' ? html`${ctl} ${label}` : html`${label}${ctl}`}
${help ? html`<p class="hint" id="${id}-hint">${help}</p>` : ''}
${problem ? html`<p class="error" id="${id}-error">${problem.message}</p>` : ''}
</div>`;
}

function entityPick(def: PageActionDefinition, blueprint: string, entities: SimEntity[], echo: FormEcho | undefined): SafeHtml {
  const id = `entity-${idPart(def.identifier)}`;
  if (!entities.length) {
    return html`<p class="hint">This action runs on an entity of blueprint <code>${blueprint}</code>; the simulator has none yet. Add one below.</p>`;
  }
  return html`<div class="field"><label for="${id}">Entity (${blueprint})<span class="req" aria-hidden="true"> *</span><span class="sr"> (required)</span></label>
<select id="${id}" name="entity" required>${entities.map(
    (e) => html`<option value="${e.identifier}"${flag('selected', e.identifier === echo?.entity)}>${e.title ? `${e.title} (${e.identifier})` : e.identifier}</option>`,
  )}</select></div>`;
}

function addEntityForm(def: PageActionDefinition, blueprint: string): SafeHtml {
  const id = `seed-${idPart(def.identifier)}`;
  return html`<details class="seed"><summary>Add an entity of blueprint <code>${blueprint}</code></summary>
<form method="post" action="/_page/entities/${encodeURIComponent(blueprint)}">
<div class="field"><label for="${id}-id">Identifier<span class="req" aria-hidden="true"> *</span><span class="sr"> (required)</span></label><input id="${id}-id" name="identifier" required></div>
<div class="field"><label for="${id}-title">Title</label><input id="${id}-title" name="title"></div>
<div class="field"><label for="${id}-props">Properties</label><textarea id="${id}-props" name="properties" rows="3" aria-describedby="${id}-props-hint">{}</textarea><p class="hint" id="${id}-props-hint">A JSON object.</p></div>
<button type="submit" class="secondary">Add entity</button>
</form></details>`;
}

function card(def: PageActionDefinition, echo: FormEcho | undefined, entities: (bp: string) => SimEntity[]): SafeHtml {
  const headingId = `action-${idPart(def.identifier)}`;
  const blueprint = entityBlueprint(def);
  const inputs = formInputs(def);
  const shape = echo?.shape ?? DEFAULT_SHAPE;
  const op = operationOf(def);
  const bp = actionBlueprint(def);
  return html`<section class="card" aria-labelledby="${headingId}">
<h2 id="${headingId}">${actionTitle(def)}</h2>
<p class="meta"><code>${def.identifier}</code> <span class="tag">${op}</span>${bp ? html` <span class="tag">${bp}</span>` : ''}${def.invocationMethod?.synchronized ? html` <span class="tag">synchronized</span>` : ''}</p>
${def.description ? html`<p>${def.description}</p>` : ''}
${echo ? html`<div class="alert" role="alert"><p>The run was not started: ${echo.message}</p></div>` : ''}
<form method="post" action="/_page/actions/${encodeURIComponent(def.identifier)}/runs" novalidate>
${blueprint ? entityPick(def, blueprint, entities(blueprint), echo) : ''}
${inputs.length ? inputs.map((i) => field(def, i, echo, entities)) : html`<p class="hint">This action has no inputs.</p>`}
<fieldset class="shape"><legend>Payload shape</legend>
${Object.entries(SHAPES).map(
  ([key, s]) => html`<label><input type="radio" name="shape" value="${key}"${flag('checked', key === shape)}> ${s.label}</label>`,
)}
</fieldset>
<button type="submit">Execute ${actionTitle(def)}</button>
</form>
${blueprint ? addEntityForm(def, blueprint) : ''}
</section>`;
}

export function actionsBody(defs: PageActionDefinition[], entities: (bp: string) => SimEntity[], echo?: FormEcho): SafeHtml {
  return html`<h1>Actions</h1>
<p class="lead">One card per action of the service's handlers, drawn from the definition Port would get. Executing one creates a run in the local Port simulator and delivers it, signed, to the service.</p>
${defs.length ? html`<div class="cards">${defs.map((d) => card(d, echo?.action === d.identifier ? echo : undefined, entities))}</div>` : html`<p>No actions: add a handler file to <code>handlers/</code> and restart (a handler whose definition fails is named in the start-up log).</p>`}`;
}
