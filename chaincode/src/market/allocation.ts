/** Deterministic integer split of a total in proportion to weights (largest remainder method). */
import { invalidArgument } from './errors';

/**
 * Returns integer shares with sum = total and share_i <= weights_i, share_i = floor(total·w_i / W) plus
 * one Wh for the largest remainders (ties: lower index first, i.e. the caller's priority order).
 * Requires 0 <= total <= W = sum(weights). O(n log n).
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  let weightSum = 0;
  let maxWeight = 0;
  for (const w of weights) {
    weightSum += w;
    if (w > maxWeight) maxWeight = w;
  }
  if (!Number.isSafeInteger(weightSum) || total < 0 || total > weightSum) {
    throw invalidArgument(`cannot allocate ${total} over weights summing to ${weightSum}`);
  }
  if (total === weightSum) return weights.slice();
  if (total === 0) return weights.map(() => 0);

  const shares = new Array<number>(weights.length);
  const remainders = new Array<number | bigint>(weights.length);
  let allocated = 0;
  if (Number.isSafeInteger(total * maxWeight)) {
    for (let i = 0; i < weights.length; i++) {
      const scaled = total * (weights[i] as number);
      const remainder = scaled % weightSum;
      shares[i] = (scaled - remainder) / weightSum;
      remainders[i] = remainder;
      allocated += shares[i] as number;
    }
  } else {
    const bigTotal = BigInt(total);
    const bigSum = BigInt(weightSum);
    for (let i = 0; i < weights.length; i++) {
      const scaled = bigTotal * BigInt(weights[i] as number);
      shares[i] = Number(scaled / bigSum);
      remainders[i] = scaled % bigSum;
      allocated += shares[i] as number;
    }
  }

  const leftover = total - allocated; // < weights.length
  if (leftover > 0) {
    const indices = weights.map((_, i) => i);
    indices.sort((a, b) => {
      const ra = remainders[a] as number | bigint;
      const rb = remainders[b] as number | bigint;
      return ra > rb ? -1 : ra < rb ? 1 : a - b;
    });
    for (let k = 0; k < leftover; k++) {
      const i = indices[k] as number;
      shares[i] = (shares[i] as number) + 1;
    }
  }
  return shares;
}
