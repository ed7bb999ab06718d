import { randomInt } from 'node:crypto';
import { mulberry32 } from '@offload/test-support';

/** A seeded source of choices for a fault schedule: the same seed replays the same schedule. */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** An independent stream seeded from this one, so one kind of choice never shifts another. */
  split(): SeededRandom;
}

/**
 * The seed of this run: `FAULT_SEED` when set (to replay a failure), otherwise a fresh one. The
 * caller prints it, so every run can be replayed.
 */
export function faultSeed(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.FAULT_SEED;
  if (raw === undefined || raw === '') return randomInt(2 ** 31);
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`FAULT_SEED must be a non-negative integer (got ${JSON.stringify(raw)})`);
  return seed;
}

/** mulberry32 (test-support's), with the helpers a fault schedule needs. */
export function seededRandom(seed: number): SeededRandom {
  const next = mulberry32(seed);
  return {
    seed,
    next,
    split: () => seededRandom(Math.floor(next() * 2 ** 32)),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('pick from an empty list');
      return item;
    },
  };
}
