import os from 'node:os';

/** libuv's own default pool size. */
const LIBUV_DEFAULT_THREADS = 4;

/**
 * The libuv thread-pool size for the dev ledger process: half the cores (at least 1, at most
 * libuv's default of 4), unless UV_THREADPOOL_SIZE is already set.
 *
 * The pool checks three signatures per submit and writes each block. The ledger shares its
 * machine with the chaincode and the app, whose event loops need the other cores: every extra
 * pool thread woke up and preempted one of them. On the 2-core machine, 4 threads lost to 1 or 2
 * in 13 of 13 paired runs of the submit benchmark (~8 %), and 1 thread beat 2 in 12 of 18 pairs
 * (+8 % on the mean) while halving the involuntary context switches of the ledger's event loop
 * (~1,600/s to ~800/s); bench/README.md has the figures.
 */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): string {
  return env.UV_THREADPOOL_SIZE ?? String(Math.max(1, Math.min(LIBUV_DEFAULT_THREADS, Math.floor(cores / 2))));
}

/**
 * Sets UV_THREADPOOL_SIZE for this process (and the chaincode process it spawns). libuv reads it
 * once, when the pool is first used, so call it before any asynchronous fs, crypto or store call.
 */
export function sizeThreadPoolToCores(): void {
  process.env.UV_THREADPOOL_SIZE = threadPoolSize();
}
