import { createHash } from "node:crypto";

export type SplitName = "A" | "B";

/**
 * Which half of the never-enrolled development people a name belongs to: A calibrates thresholds, B is only
 * reported. A hash of the name (not the file order) keeps the split stable when the manifest grows or is reordered.
 */
export function splitOf(identity: string): SplitName {
  return createHash("sha256").update(identity, "utf8").digest()[0] % 2 === 0 ? "A" : "B";
}
