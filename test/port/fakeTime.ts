// A clock the test moves, and a sleep that moves it instead of waiting: retry waits are recorded, not spent.
import type { Clock } from '../../src/clock.js';

export interface FakeTime {
  clock: Clock;
  advance(ms: number): void;
  sleep(ms: number): Promise<void>;
  /** Every wait the client asked for, in order. */
  waits: number[];
}

export function fakeTime(start = Date.parse('2025-01-01T00:00:00Z')): FakeTime {
  let now = start;
  const waits: number[] = [];
  return {
    clock: { now: () => now },
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}
