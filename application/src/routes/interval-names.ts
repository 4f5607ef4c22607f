import { badRequest } from '../http-error';

const INTERVAL_NAME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;

/**
 * Seconds since the epoch at which an interval name starts. Refuses, with 400 INVALID_ARGUMENT
 * and in the chaincode's words, a name that is not a real UTC time (`Date.parse` would roll
 * 2026-02-30 over into March) or not the start of one of the market's intervals — the checks the
 * chaincode makes of every interval it is given, for routes whose range the gateway reads itself.
 */
export function intervalStartSeconds(value: string, intervalSeconds: number, field = 'interval'): number {
  if (!INTERVAL_NAME.test(value)) throw badRequest('INVALID_ARGUMENT', `${field} must be a UTC time named YYYY-MM-DDTHH:MM:SSZ`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || new Date(ms).toISOString().replace('.000Z', 'Z') !== value) {
    throw badRequest('INVALID_ARGUMENT', `${field} ${value} is not a real UTC time`);
  }
  const seconds = ms / 1000;
  if (seconds % intervalSeconds !== 0) {
    throw badRequest('INVALID_ARGUMENT', `${field} ${value} is not the start of a ${intervalSeconds}-second interval`);
  }
  return seconds;
}
