import { readFileSync } from "node:fs";

/** facegate's own version, from package.json (src/system and dist/system both sit two levels below it). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
