/**
 * fabric-shim logs several debug records for every message it exchanges with the peer (some with
 * whole decoded responses as arguments), and its winston loggers run their entire format pipeline
 * — timestamp, metadata, colorize, padLevels, printf with safe-stringify of every argument —
 * before the transport drops the record by level. Measured on a real network under load, that was
 * about a quarter of the chaincode process's CPU with debug disabled.
 *
 * This drops a record whose level no logger or transport has enabled before it is formatted. What
 * is printed does not change: enabled levels (CORE_CHAINCODE_LOGGING_LEVEL, set by the peer or the
 * operator) go through unchanged. The benchmark's one-key baseline chaincode
 * (bench/fixtures/trivial-chaincode) installs the same guard, so comparisons stay fair.
 */
import { requireFromShim } from './shimModules';

interface WinstonLogger {
  isLevelEnabled(level: string): boolean;
  write(chunk: unknown, ...rest: unknown[]): boolean;
}

const LEVEL = Symbol.for('level');
const GUARDED = Symbol.for('gridshare.shimLogging.guarded');

export function skipDisabledShimLogRecords(): void {
  // fabric-shim's own copy of winston, wherever npm placed it.
  const winston = requireFromShim<{ Logger: { prototype: WinstonLogger & Record<symbol, boolean> } }>('winston');
  const proto = winston.Logger.prototype;
  if (proto[GUARDED]) return;
  const write = proto.write;
  proto.write = function (this: WinstonLogger, chunk: unknown, ...rest: unknown[]): boolean {
    const info = chunk as Record<string | symbol, unknown> | null;
    const level = info?.[LEVEL] ?? info?.level;
    if (typeof level === 'string' && !this.isLevelEnabled(level)) {
      const callback = rest[rest.length - 1];
      if (typeof callback === 'function') process.nextTick(callback as () => void);
      return true;
    }
    return write.call(this, chunk, ...rest);
  };
  proto[GUARDED] = true;
}
