/** Injected wherever time matters, so tests decide what "now" is. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };
