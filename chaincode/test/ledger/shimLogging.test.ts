/** The guard that drops fabric-shim log records of disabled levels before winston formats them. */
import { skipDisabledShimLogRecords } from '../../src/shimLogging';

interface Transport {
  log(info: Record<string | symbol, unknown>, next: () => void): void;
}
interface ShimLogger {
  level: string;
  transports: Transport[];
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getLogger } = require('fabric-shim/lib/logger') as { getLogger(name: string): ShimLogger };

test('records of a disabled level are never formatted; enabled ones still reach the transport', () => {
  skipDisabledShimLogRecords();
  skipDisabledShimLogRecords(); // idempotent: a second call does not wrap again
  const logger = getLogger('shim-logging-test');
  logger.level = 'info';
  const transport = logger.transports[0] as Transport;
  const original = transport.log.bind(transport);
  const printed: string[] = [];
  transport.log = (info, next) => {
    printed.push(String(info[Symbol.for('message')]));
    next();
  };
  let stringified = 0;
  const probe = { toJSON: () => ((stringified += 1), 'probe') };
  try {
    logger.debug('decoded response: %j', probe);
    expect(stringified).toBe(0);
    expect(printed).toEqual([]);

    logger.info('kept', probe);
    expect(stringified).toBe(1);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('kept');

    logger.level = 'debug';
    logger.debug('now enabled', probe);
    expect(printed).toHaveLength(2);
    expect(printed[1]).toContain('now enabled');
  } finally {
    transport.log = original;
  }
});
