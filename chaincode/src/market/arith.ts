/**
 * Checked integer arithmetic for ledger quantities. Every input must be an integer and every result a
 * safe integer (|x| <= 2^53 - 1); anything else throws INVALID_ARGUMENT instead of silently losing
 * precision.
 */
import { invalidArgument } from './errors';

export function isSafeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

export function isNonNegativeSafeInteger(x: unknown): x is number {
  return isSafeInteger(x) && x >= 0;
}

export function assertSafeInteger(x: unknown, what: string): number {
  if (!isSafeInteger(x)) throw invalidArgument(`${what} must be a safe integer, got ${String(x)}`);
  return x;
}

export function assertNonNegativeSafeInteger(x: unknown, what: string): number {
  if (!isNonNegativeSafeInteger(x)) {
    throw invalidArgument(`${what} must be a non-negative safe integer, got ${String(x)}`);
  }
  return x;
}

function checkedResult(result: number, op: string, a: number, b: number): number {
  if (!Number.isSafeInteger(result)) throw invalidArgument(`${op}(${a}, ${b}) leaves the safe integer range`);
  return result;
}

export function checkedAdd(a: number, b: number): number {
  assertSafeInteger(a, 'addend');
  assertSafeInteger(b, 'addend');
  return checkedResult(a + b, 'add', a, b);
}

export function checkedSub(a: number, b: number): number {
  assertSafeInteger(a, 'minuend');
  assertSafeInteger(b, 'subtrahend');
  return checkedResult(a - b, 'sub', a, b);
}

export function checkedMul(a: number, b: number): number {
  assertSafeInteger(a, 'factor');
  assertSafeInteger(b, 'factor');
  const product = a * b;
  // A float product beyond 2^53 may round back into range; confirm exactly with BigInt.
  if (!Number.isSafeInteger(product) || BigInt(a) * BigInt(b) !== BigInt(product)) {
    throw invalidArgument(`mul(${a}, ${b}) leaves the safe integer range`);
  }
  return product === 0 ? 0 : product; // normalise -0
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total = checkedAdd(total, v);
  return total;
}

/** Converts an exact BigInt result back to a number, refusing anything outside the safe range. */
export function toSafeNumber(x: bigint, what: string): number {
  if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw invalidArgument(`${what} leaves the safe integer range`);
  }
  return Number(x);
}

/**
 * Money for `energyWh` Wh at `pricePerKwh` money units per kWh: floor(energyWh × price / 1000).
 * Both inputs are non-negative; the product is computed exactly (BigInt once it passes 2^53).
 */
export function costOf(energyWh: number, pricePerKwh: number): number {
  assertNonNegativeSafeInteger(energyWh, 'energyWh');
  assertNonNegativeSafeInteger(pricePerKwh, 'pricePerKwh');
  const product = energyWh * pricePerKwh;
  // Integer-only: subtract the remainder, then divide a multiple of 1000 exactly.
  if (Number.isSafeInteger(product)) return (product - (product % 1000)) / 1000;
  return toSafeNumber((BigInt(energyWh) * BigInt(pricePerKwh)) / 1000n, 'cost');
}
