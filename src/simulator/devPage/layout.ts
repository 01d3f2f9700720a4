// The page shell: header with navigation, the live fault banner, the main region, and the one script.
import { html, type SafeHtml } from './html.js';
import type { PageState } from './pageState.js';

export type Section = 'actions' | 'runs' | 'faults';

const NAV: Array<[Section, string, string]> = [
  ['actions', 'Actions', '/'],
  ['runs', 'Runs', '/runs'],
  ['faults', 'Faults', '/faults'],
];

/** What fault injection is active now, in words; empty when Port behaves. */
export function activeFaults(state: PageState): string[] {
  const { faults } = state.sim;
  const out: string[] = [];
  if (faults.outageActive) {
    const left = state.outageEndsAt === null ? null : Math.max(0, Math.ceil((state.outageEndsAt - state.sim.clock.now()) / 1000));
    out.push(left === null ? 'Port is down (simulated outage)' : `Port is down (simulated outage, about ${left} s left)`);
  }
  const latency = faults.latencyFor('POST', '/v1/actions/runs/{run_id}/logs');
  if (latency > 0) out.push(`${latency} ms latency on every Port request`);
  if (faults.pending > 0) out.push(`${faults.pending} injected failure${faults.pending === 1 ? '' : 's'} waiting (503 / 429)`);
  return out;
}

export function faultBanner(state: PageState): SafeHtml {
  const active = activeFaults(state);
  if (!active.length) return html``;
  return html`<p class="banner"><strong>Fault injection:</strong> ${active.join('; ')}. <a href="/faults">Change</a></p>`;
}

export interface LayoutOptions {
  title: string;
  section: Section | null;
  body: SafeHtml;
  /** Server-sent events that keep this page current. */
  stream?: string;
}

export function layout(state: PageState, opts: LayoutOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · local Port</title>
<link rel="stylesheet" href="/_page/style.css">
<script src="/_page/app.js" defer></script>
</head>
<body${opts.stream ? html` data-stream="${opts.stream}"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand">port-action-runner <span>local Port simulator</span></p>
<nav aria-label="Sections"><ul>${NAV.map(
    ([id, label, href]) => html`<li><a href="${href}"${id === opts.section ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>
</header>
<div data-region="faults" aria-live="polite">${faultBanner(state)}</div>
<main id="main" tabindex="-1">
${opts.body}
</main>
</body>
</html>
`.value;
}
