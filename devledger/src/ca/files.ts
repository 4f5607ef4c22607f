import { promises as fs } from 'node:fs';
import writeAtomically from 'write-file-atomic';

/** Creates `dir` (and parents) and makes sure only the owner can enter it. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
}

/**
 * Writes a file atomically (temporary file + rename) with the given mode, so a crash never leaves
 * a half-written key or registry behind and the file is never readable by others, even briefly.
 */
export function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  // The library writes a temporary file created with `mode`, then renames it into place.
  return writeAtomically(file, data, { mode });
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
