import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

export type Role = "enroll" | "probe" | "unknown";

/** One image of an evaluation set (the lfw-dev manifest format: identity, path, role, masked, template). */
export interface ManifestRow {
  identity: string;
  /** Absolute path of the image. */
  path: string;
  role: Role;
  /** The image shows a (synthetic) mask. */
  masked: boolean;
  /** Mask template drawn on the image, "" for unmasked ones. */
  template: string;
}

const ROLES = new Set<string>(["enroll", "probe", "unknown"]);

/** Reads a manifest; paths in it are relative to the manifest's folder. */
export function readManifest(path: string): ManifestRow[] {
  const base = dirname(resolve(path));
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const rows: ManifestRow[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "" || (i === 0 && line.startsWith("identity\t"))) return;
    const [identity, rel, role, masked, template = ""] = line.split("\t");
    if (!identity || !rel || !ROLES.has(role) || (masked !== "0" && masked !== "1")) {
      throw new Error(`${path}:${i + 1}: expected identity, path, role (enroll/probe/unknown), masked (0/1)`);
    }
    rows.push({ identity, path: resolve(base, rel), role: role as Role, masked: masked === "1", template });
  });
  return rows;
}
