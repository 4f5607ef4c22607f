/** Shared plumbing for the local stacks: repository root, free ports, readiness, missing pieces. */
import { createServer } from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A piece of the system this run needs is not there (not built, or not written yet). */
export class MissingPieceError extends Error {
  constructor(readonly piece: string, detail: string) {
    super(`${piece} is not available: ${detail}`);
    this.name = 'MissingPieceError';
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls GET /readyz until the app says the ledger and chaincode answer. */
export async function waitReady(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) return;
      last = `${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gateway at ${baseUrl} not ready after ${timeoutMs / 1000}s (${last})`);
}

/**
 * Runs `cleanup` (stop what this run started) on Ctrl-C or SIGTERM, then exits; returns a function
 * that removes the handlers once the run finished normally.
 */
export function onInterrupt(cleanup: () => Promise<unknown>): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping …\n`);
    void cleanup()
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
