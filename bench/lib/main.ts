// Small helpers shared by the benchmark entry points.
import { pathToFileURL } from 'node:url';

/** True when the module at `metaUrl` is the script node was started with (not imported by run-all). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === metaUrl;
}

/** A positive number from the environment, else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Progress lines go to stderr, so stdout carries only the results. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export const MB = 1024 * 1024;
