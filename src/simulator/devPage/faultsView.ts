// Fault toggles: the simulator's fault injection, so a handler author can watch the service ride out
// a slow, failing, rate-limiting or absent Port, or an expired token.
import { html, type SafeHtml } from './html.js';

function numberField(id: string, name: string, label: string, value: number, min: number, hint?: string): SafeHtml {
  return html`<div class="field"><label for="${id}">${label}</label><input type="number" id="${id}" name="${name}" value="${value}" min="${min}" step="1"${hint ? html` aria-describedby="${id}-hint"` : ''} required>${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}</div>`;
}

function faultCard(id: string, title: string, text: string, action: string, button: string, fields: SafeHtml = html``, extra: SafeHtml = html``): SafeHtml {
  return html`<section class="card" aria-labelledby="f-${id}"><h2 id="f-${id}">${title}</h2><p>${text}</p>
<form method="post" action="/_page/faults/${action}">${fields}<button type="submit">${button}</button></form>${extra}</section>`;
}

export function faultsBody(active: string[], latencyMs: number): SafeHtml {
  return html`<h1>Faults</h1>
<p class="lead">Make the simulated Port misbehave, then execute an action and watch the run page: the service retries, and every report still arrives, in order, with one final status.</p>
<section aria-labelledby="f-now"><h2 id="f-now">Now</h2><div data-region="faults-now" aria-live="polite">${faultsNow(active)}</div></section>
<div class="cards">
${faultCard('latency', 'Latency', 'Delay every answer from Port.', 'latency', 'Set latency', numberField('latency-ms', 'ms', 'Latency (ms, 0 turns it off)', latencyMs, 0))}
${faultCard('burst', '503 burst', 'The next requests to Port answer 503 Service Unavailable.', 'burst', 'Start 503 burst', numberField('burst-count', 'count', 'Number of requests', 5, 1))}
${faultCard('rate', '429 rate limit', 'The next requests answer 429 Too Many Requests with a Retry-After header.', 'rate-limit', 'Start rate limiting', html`${numberField('rate-count', 'count', 'Number of requests', 3, 1)}${numberField('rate-after', 'retryAfterSeconds', 'Retry-After (seconds)', 2, 0)}`)}
${faultCard('outage', 'Outage', 'Every Port route answers 503 for a while.', 'outage', 'Start outage', numberField('outage-seconds', 'seconds', 'Duration (seconds)', 5, 1), html`<form method="post" action="/_page/faults/outage/end"><button type="submit" class="secondary">End outage now</button></form>`)}
${faultCard('token', 'Token expiry', 'Every access token issued so far stops working: the next call gets 401 and the service must fetch a new token.', 'expire-tokens', 'Expire tokens')}
${faultCard('clear', 'Clear', 'Back to a well-behaved Port.', 'clear', 'Clear all faults')}
</div>`;
}

export function faultsNow(active: string[]): SafeHtml {
  return active.length ? html`<ul>${active.map((a) => html`<li>${a}</li>`)}</ul>` : html`<p>Port behaves: no fault is active.</p>`;
}
