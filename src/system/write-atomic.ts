import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that readers (and a power cut) see either the old or the new content, never a mix: write a
 * temporary file in the same folder, fsync it, rename it over the target, fsync the folder.
 * `mode` defaults to 0600: galleries and models hold biometric data.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  removeStaleTemporaries(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data, { mode });
    const fd = openSync(tmp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  }
}

/**
 * Deletes the temporary files of earlier writes of `path` whose writer died before its rename (kill -9, power
 * cut): without this, each such crash would leave one full copy behind, without bound. A temporary file of a
 * writer that is still alive is left alone.
 */
export function removeStaleTemporaries(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith(".tmp")) continue;
    const m = /^(\d+)\.\d+\.tmp$/.exec(entry.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(dir, entry), { force: true });
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
