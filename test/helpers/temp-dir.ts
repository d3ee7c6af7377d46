import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

// Each test file runs in its own process: everything made here goes when it exits, whichever test made it and
// however it ended. FACEGATE_KEEP_TEMP=1 keeps the folders for a post-mortem.
process.once("exit", () => {
  if (process.env.FACEGATE_KEEP_TEMP) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system's temp folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
