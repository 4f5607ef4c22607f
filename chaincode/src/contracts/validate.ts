/**
 * Input checks shared by the request factories. Every failure is INVALID_ARGUMENT naming the
 * field, and happens before anything is read or written.
 */
import { invalidArgument } from '../ledger/errors';

export type Json = Record<string, unknown>;

/** Largest money amount or energy accepted in one request: sums of many stay safe integers. */
export const MAX_QUANTITY = 1_000_000_000_000_000;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const MSP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const INTERVAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parses a JSON-object argument. */
export function parseObject(raw: unknown, what: string): Json {
  if (typeof raw !== 'string') throw invalidArgument(`${what} must be a JSON string`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalidArgument(`${what} is not valid JSON`);
  }
  return asObject(value, what);
}

export function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(`${what} must be a JSON object`);
  return value as Json;
}

/** Refuses members the request does not define, so typos fail loudly instead of being ignored. */
export function onlyFields(obj: Json, allowed: readonly string[], what: string): void {
  for (const field of Object.keys(obj)) {
    if (!allowed.includes(field)) throw invalidArgument(`${what}: unknown field "${field}"`);
  }
}

export function requiredString(obj: Json, field: string, maxLength = 256): string {
  const value = obj[field];
  if (value === undefined || value === null) throw invalidArgument(`${field} is required`);
  return checkString(value, field, maxLength);
}

export function optionalString(obj: Json, field: string, maxLength = 256): string | undefined {
  const value = obj[field];
  return value === undefined ? undefined : checkString(value, field, maxLength);
}

/** A non-empty string without NUL of at most `maxLength` characters; errors name it `field`. */
export function checkString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string') throw invalidArgument(`${field} must be a string`);
  if (value.length === 0) throw invalidArgument(`${field} must not be empty`);
  if (value.length > maxLength) throw invalidArgument(`${field} is longer than ${maxLength} characters`);
  if (value.includes('\u0000')) throw invalidArgument(`${field} contains a NUL character`);
  return value;
}

export function identifier(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalidArgument(`${field} must be a string`);
  if (!ID_PATTERN.test(value)) {
    throw invalidArgument(`${field} "${value.slice(0, 64)}" must be 1-128 characters of letters, digits and . _ : @ - (starting with a letter or digit)`);
  }
  return value;
}

export function requiredId(obj: Json, field: string): string {
  if (obj[field] === undefined || obj[field] === null) throw invalidArgument(`${field} is required`);
  return identifier(obj[field], field);
}

export function mspId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !MSP_PATTERN.test(value)) throw invalidArgument(`${field} must be an MSP ID (letters, digits, . _ -)`);
  return value;
}

export interface IntegerRange {
  min?: number;
  max?: number;
}

/** A JSON number that is a safe integer within [min, max] (default [0, MAX_QUANTITY]). */
export function integer(value: unknown, field: string, range: IntegerRange = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? MAX_QUANTITY;
  if (value === undefined || value === null) throw invalidArgument(`${field} is required`);
  if (typeof value !== 'number') throw invalidArgument(`${field} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value)) throw invalidArgument(`${field} must be an integer, got ${value}`);
  if (value < min) throw invalidArgument(`${field} must be at least ${min}, got ${value}`);
  if (value > max) throw invalidArgument(`${field} must be at most ${max}, got ${value}`);
  // Every bound is a safe integer, so a value within bounds is safe.
  if (!Number.isSafeInteger(value)) throw invalidArgument(`${field} must be a safe integer, got ${value}`);
  return value;
}

export function requiredInteger(obj: Json, field: string, range?: IntegerRange): number {
  return integer(obj[field], field, range);
}

/** A decimal string argument (plain transaction parameters are strings). */
export function integerArg(raw: unknown, field: string, range?: IntegerRange): number {
  if (typeof raw !== 'string' || !/^-?(0|[1-9][0-9]{0,20})$/.test(raw)) throw invalidArgument(`${field} must be a decimal integer string`);
  return integer(Number(raw), field, range);
}

export function booleanArg(raw: unknown, field: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalidArgument(`${field} must be "true" or "false"`);
}

export function optionalBoolean(obj: Json, field: string): boolean | undefined {
  const value = obj[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgument(`${field} must be a boolean`);
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Seconds since the epoch of an interval name `YYYY-MM-DDTHH:MM:SSZ`; refuses anything else. */
export function intervalStartSeconds(value: unknown, field = 'interval'): number {
  if (typeof value !== 'string' || !INTERVAL_PATTERN.test(value)) {
    throw invalidArgument(`${field} must be a UTC time named YYYY-MM-DDTHH:MM:SSZ`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || new Date(ms).toISOString().replace('.000Z', 'Z') !== value) {
    throw invalidArgument(`${field} ${value} is not a real UTC time`);
  }
  return ms / 1000;
}

/** An interval name aligned to the market's interval length. */
export function intervalName(value: unknown, intervalSeconds: number, field = 'interval'): string {
  const start = intervalStartSeconds(value, field);
  if (start % intervalSeconds !== 0) {
    throw invalidArgument(`${field} ${String(value)} is not the start of a ${intervalSeconds}-second interval`);
  }
  return value as string;
}

/** An interval-name bound of a range query: "" means unbounded. */
export function intervalBound(value: unknown, field: string): string {
  if (value === '') return '';
  intervalStartSeconds(value, field);
  return value as string;
}
