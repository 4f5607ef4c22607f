import os from 'node:os';

/** libuv's own default pool size. */
const LIBUV_DEFAULT_THREADS = 4;

/**
 * The libuv thread-pool size for the dev ledger process: one thread per core, never more than
 * libuv's default of 4, unless UV_THREADPOOL_SIZE is already set.
 *
 * The ledger checks three signatures per submit on the pool. On a 2-core machine, libuv's four
 * threads kept waking up and preempting the event loop and the chaincode. In paired runs of the
 * submit benchmark at 64 in flight, 1 or 2 threads beat 4 in 13 of 13 pairs (typically by ~8 %);
 * bench/README.md has the figures.
 */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): string {
  return env.UV_THREADPOOL_SIZE ?? String(Math.max(1, Math.min(LIBUV_DEFAULT_THREADS, cores)));
}

/**
 * Sets UV_THREADPOOL_SIZE for this process (and the chaincode process it spawns). libuv reads it
 * once, when the pool is first used, so call it before any asynchronous fs, crypto or store call.
 */
export function sizeThreadPoolToCores(): void {
  process.env.UV_THREADPOOL_SIZE = threadPoolSize();
}
