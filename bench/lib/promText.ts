// Reads figures off the service's GET /metrics (Prometheus text): the benchmarks watch the service the
// way an operator would, without reaching into its internals.

/** Sum of every sample of `name` (all label sets) whose labels contain `labelFilter`; null when absent. */
export function sumMetric(text: string, name: string, labelFilter?: Record<string, string>): number | null {
  let found = false;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    let labels = '';
    let value = rest.trim();
    if (rest[0] === '{') {
      const end = rest.indexOf('}');
      labels = rest.slice(1, end);
      value = rest.slice(end + 1).trim();
    }
    if (labelFilter && !Object.entries(labelFilter).every(([k, v]) => labels.includes(`${k}="${v}"`))) continue;
    found = true;
    sum += Number(value.split(' ')[0]);
  }
  return found ? sum : null;
}

/** Samples of `name` keyed by the value of `label`. */
export function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{([^}]*)\\}\\s+(\\S+)`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const key = new RegExp(`${label}="([^"]*)"`).exec(m[1])?.[1] ?? '';
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

export async function scrape(baseUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`);
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** Runs accepted but not yet fully reported: queued + running + outbox ops owed to Port. Null without metrics. */
export async function pendingWork(baseUrl: string): Promise<number | null> {
  const text = await scrape(baseUrl);
  if (text === null) return null;
  const parts = ['port_runner_queue_depth', 'port_runner_runs_in_flight', 'port_runner_outbox_depth'].map((m) => sumMetric(text, m));
  if (parts.every((p) => p === null)) return null;
  return parts.reduce<number>((sum, p) => sum + (p ?? 0), 0);
}

/** Waits until the service has no pending work (or `timeoutMs` passes); returns the ms waited, or null. */
export async function waitDrained(baseUrl: string, timeoutMs: number, pollMs = 100): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const pending = await pendingWork(baseUrl);
    if (pending === null) return null;
    if (pending === 0) return Date.now() - start;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return null;
}
