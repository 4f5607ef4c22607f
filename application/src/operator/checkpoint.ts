import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import writeAtomically from 'write-file-atomic';

/** Where the scheduler resumes: the oldest interval not yet known settled, at an interval length. */
export interface SchedulerPosition {
  /** Start (ms since the epoch) of the oldest interval not yet known settled. */
  oldestUnsettledMs: number;
  intervalSeconds: number;
}

interface StoredPosition {
  oldestUnsettled: string;
  intervalSeconds: number;
}

/**
 * Keeps the scheduler's position in a small JSON file, replaced atomically (temporary file, then
 * rename) so that a crash mid-write leaves the previous position, never a torn one.
 */
export class SchedulerCheckpointFile {
  constructor(readonly file: string) {}

  /** The stored position, or undefined when there is none yet. A corrupt file is an error. */
  async load(): Promise<SchedulerPosition | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const stored = JSON.parse(text) as Partial<StoredPosition>;
    const oldestUnsettledMs = typeof stored.oldestUnsettled === 'string' ? Date.parse(stored.oldestUnsettled) : NaN;
    if (!Number.isSafeInteger(oldestUnsettledMs) || !Number.isSafeInteger(stored.intervalSeconds) || stored.intervalSeconds! <= 0) {
      throw new Error(`${this.file}: not a scheduler checkpoint`);
    }
    return { oldestUnsettledMs, intervalSeconds: stored.intervalSeconds! };
  }

  async save(position: SchedulerPosition): Promise<void> {
    const stored: StoredPosition = {
      oldestUnsettled: new Date(position.oldestUnsettledMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      intervalSeconds: position.intervalSeconds,
    };
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeAtomically(this.file, `${JSON.stringify(stored)}\n`, { mode: 0o600 });
  }
}
