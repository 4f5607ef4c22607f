/**
 * Deterministic pseudo-random numbers for the simulator. Everything random in a simulation run
 * comes from here, seeded, so the same seed gives the same neighbourhood and the same orders.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a tiny 32-bit generator, plenty for load profiles and prices. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent 32-bit seed from a base seed and labels (FNV-1a over the text). */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  let hash = 0x811c9dc5;
  const text = `${seed >>> 0}|${labels.join('|')}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A generator for one labelled stream of a run (e.g. one household's noise). */
export function streamFor(seed: number, ...labels: Array<string | number>): Random {
  return mulberry32(deriveSeed(seed, ...labels));
}

/** Uniform number in [min, max). */
export function uniform(rng: Random, min: number, max: number): number {
  return min + (max - min) * rng();
}

/** Uniform integer in [min, max] (inclusive). */
export function uniformInt(rng: Random, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Standard normal deviate (Box–Muller). */
export function gaussian(rng: Random): number {
  const u = 1 - rng(); // (0, 1]: log never sees 0
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
