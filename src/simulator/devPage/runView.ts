// The run page (one region per part, so a live update replaces only what changed) and the runs list.
import type { SimRun, SimRunLog } from '../types.js';
import { html, raw, type SafeHtml } from './html.js';
import { durationOf, isFinal, type RunDetails } from './runDetails.js';

export function formatDuration(ms: number | null): string {
  if (ms === null) return 'running';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const time = (iso: string) => html`<time datetime="${iso}">${iso.slice(11, 23)}</time>`;

export function statusBadge(run: Pick<SimRun, 'status'>): SafeHtml {
  return html`<span class="badge ${run.status.toLowerCase()}">${run.status}</span>`;
}

export function logLine(log: SimRunLog): SafeHtml {
  return html`<li>${time(log.createdAt)} <span class="msg">${log.message}</span>${log.terminationStatus ? html` <span class="badge small ${log.terminationStatus.toLowerCase()}">${log.terminationStatus}</span>` : ''}</li>`;
}

function links(run: SimRun): SafeHtml {
  const list = run.link === null ? [] : Array.isArray(run.link) ? run.link : [run.link];
  if (!list.length) return html`<span class="none">none</span>`;
  return html`<ul class="plain">${list.map((l) => html`<li><a href="${/^https?:\/\//i.test(l) ? l : '#'}" rel="noreferrer">${l}</a></li>`)}</ul>`;
}

function deliveryText(d: RunDetails): SafeHtml {
  const dl = d.delivery;
  if (!dl) return html`<span class="none">not delivered from this page</span>`;
  if (dl.status === null) return html`sending (${dl.shape}) to <code>${dl.url}</code>…`;
  if (dl.status === 0) return html`<span class="bad">no answer from <code>${dl.url}</code>: ${dl.error ?? 'unreachable'}</span> (is the service running?)`;
  const ok = dl.status >= 200 && dl.status < 300;
  const code = dl.body && typeof dl.body === 'object' && 'error' in dl.body ? ` ${String((dl.body as { error: unknown }).error)}` : '';
  return html`<span class="${ok ? '' : 'bad'}">HTTP ${dl.status}${code}</span> (${dl.shape} to <code>${dl.url}</code>)`;
}

function head(d: RunDetails): SafeHtml {
  const { run } = d;
  return html`<dl class="facts">
<div><dt>Status</dt><dd>${statusBadge(run)}</dd></div>
<div><dt>Label</dt><dd class="label">${run.statusLabel ?? html`<span class="none">none</span>`}</dd></div>
<div><dt>Duration</dt><dd>${formatDuration(d.durationMs)}</dd></div>
<div><dt>Started</dt><dd>${time(run.createdAt)}</dd></div>
<div><dt>Entity</dt><dd>${run.entity ? html`<code>${run.entity.identifier}</code>` : html`<span class="none">none</span>`}</dd></div>
<div><dt>External id</dt><dd>${run.externalRunId ?? html`<span class="none">none</span>`}</dd></div>
<div><dt>Summary</dt><dd>${run.summary ?? html`<span class="none">none</span>`}</dd></div>
<div><dt>Links</dt><dd>${links(run)}</dd></div>
<div class="wide"><dt>Delivery</dt><dd>${deliveryText(d)}</dd></div>
</dl>`;
}

function props(obj: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(obj);
  if (!entries.length) return html`<span class="none">no properties</span>`;
  return html`<table class="kv"><tbody>${entries.map(([k, v]) => html`<tr><th scope="row">${k}</th><td><code>${JSON.stringify(v)}</code></td></tr>`)}</tbody></table>`;
}

function entities(d: RunDetails): SafeHtml {
  if (!d.entities.length) return html`<p class="none">No entities tied to this run.</p>`;
  return html`<ul class="entities">${d.entities.map(
    (e) => html`<li><p><code>${e.blueprint}</code> / <strong>${e.identifier}</strong> <span class="tag">${e.operation}</span>${e.current?.title ? html` ${e.current.title}` : ''}</p>
${e.current ? props(e.current.properties) : html`<p class="none">deleted</p>`}</li>`,
  )}</ul>`;
}

function requests(d: RunDetails): SafeHtml {
  if (!d.requests.length) return html`<p class="none">The service has not called Port for this run yet.</p>`;
  return html`<div class="scroll"><table class="requests"><caption class="sr">Requests the service made to Port for this run</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Route</th><th scope="col">Status</th><th scope="col">Latency</th></tr></thead>
<tbody>${d.requests.map(
    (r) => html`<tr class="${r.status >= 400 ? 'failed' : ''}"><td>${time(r.at)}</td><td>${r.method}</td><td><code>${r.route ?? r.path}</code></td><td>${r.status}${r.fault ? html` <span class="tag">${r.fault}</span>` : ''}</td><td>${r.durationMs} ms</td></tr>`,
  )}</tbody></table></div>`;
}

function refused(d: RunDetails): SafeHtml {
  if (!d.refused.length) return html`<p class="none">None.</p>`;
  return html`<ul class="refused">${d.refused.map(
    (r) => html`<li>${time(r.at)} <code>${r.method} ${r.route ?? r.path}</code> → ${r.status}: ${r.error ?? 'refused'}${r.body ? html`<pre>${JSON.stringify(r.body, null, 2)}</pre>` : ''}</li>`,
  )}</ul>`;
}

/** The run page's live regions, keyed as in `data-region`. Log lines are sent apart, as they arrive. */
export function runRegions(d: RunDetails): Record<string, string> {
  return {
    head: head(d).value,
    entities: entities(d).value,
    requests: requests(d).value,
    refused: refused(d).value,
  };
}

export function runBody(d: RunDetails, streamed: Record<string, string>): SafeHtml {
  const { run } = d;
  const region = (key: string, label: string, live = false) =>
    html`<section aria-labelledby="h-${key}"><h2 id="h-${key}">${label}</h2><div data-region="${key}"${live ? html` aria-live="polite"` : ''}>${raw(streamed[key])}</div></section>`;
  return html`<p class="crumbs"><a href="/runs">Runs</a> / <code>${run.id}</code></p>
<h1>${d.actionTitle ?? run.action.title ?? run.action.identifier} <span class="runid">run <code>${run.id}</code></span></h1>
${region('head', 'Run', true)}
<section aria-labelledby="h-logs"><h2 id="h-logs">Log</h2>
<ol id="log-lines" class="logs" role="log" aria-live="polite" data-count="${run.logs.length}">${run.logs.map(logLine)}</ol>
<p class="none" id="no-logs"${run.logs.length ? ' hidden' : ''}>No log lines yet.</p></section>
${region('entities', 'Entities tied to this run')}
${region('requests', 'Requests the service made')}
${region('refused', 'Writes Port refused')}
<section aria-labelledby="h-inputs"><h2 id="h-inputs">Inputs</h2><pre>${JSON.stringify(run.properties, null, 2)}</pre></section>`;
}

export function runsTable(runs: SimRun[]): SafeHtml {
  if (!runs.length) return html`<p class="none">No runs yet. <a href="/">Execute an action</a>.</p>`;
  const newest = [...runs].reverse(); // the simulator keeps them in creation order
  return html`<div class="scroll"><table class="runs"><caption class="sr">Runs, newest first</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Action</th><th scope="col">Label</th><th scope="col">Duration</th><th scope="col">Started</th><th scope="col">Run</th></tr></thead>
<tbody>${newest.map(
    (r) => html`<tr><td>${statusBadge(r)}</td><td>${r.action.identifier}</td><td>${r.statusLabel ?? ''}</td><td>${isFinal(r) ? formatDuration(durationOf(r)) : 'running'}</td><td>${time(r.createdAt)}</td><td><a href="/runs/${encodeURIComponent(r.id)}">${r.id}</a></td></tr>`,
  )}</tbody></table></div>`;
}
