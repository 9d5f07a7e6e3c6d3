/**
 * A seeded pseudo-random number generator (mulberry32): the same seed gives the same trial on every
 * machine, so a failing seed can be run again alone.
 *
 * @module
 */

/** Random choices drawn from one seed. */
export class Rng {
  #state: number;

  /** @param seed Any integer; seeds that differ by one give unrelated sequences. */
  constructor(seed: number) {
    // Spread consecutive seeds apart before the first draw.
    this.#state = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}
