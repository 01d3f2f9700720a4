// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time by module: a package under node_modules, a
// project file under src/ or bench/, a node: builtin, or one of V8's pseudo-frames ((garbage collector),
// (program), (idle)). The top of that list is where a target's CPU goes.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ModuleTime {
  module: string;
  ms: number;
  share: number;
}

/** The module a frame belongs to. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return url;
  const project = /\/dist(?:-bench)?\/((?:src|bench)\/.*)\.js$/.exec(url);
  return project ? project[1] : url;
}

/**
 * Self time per module (and per frame, for the top frames), busiest first; `(idle)` excluded from shares.
 * `window` (µs of the target's monotonic clock) keeps only the samples taken within it.
 */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }): { total: number; modules: ModuleTime[]; frames: ModuleTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const modules = new Map<string, number>();
  const frames = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const node = byId.get(id);
    if (!node) return;
    const { url, functionName } = node.callFrame;
    const mod = moduleOf(url, functionName);
    if (mod === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    const frame = `${functionName || '(anonymous)'} ${mod}`;
    frames.set(frame, (frames.get(frame) ?? 0) + us);
  });
  const rank = (m: Map<string, number>) =>
    [...m.entries()].map(([module, us]) => ({ module, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, modules: rank(modules), frames: rank(frames) };
}
