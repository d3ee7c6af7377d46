import type { z } from "zod";

/** `cameras.door.source`; record keys with dots or spaces are quoted so the path stays readable. */
export function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((part, i) => {
      if (typeof part === "number") return `[${part}]`;
      const name = String(part);
      const plain = /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
      return i === 0 ? plain : `.${plain}`;
    })
    .join("")
    .replace(/\.\[/g, "[");
}

/** Turns zod issues into `key.path: explanation` lines, one per problem, in document order. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${keyPath([...issue.path, key])}: ${issue.message}`);
    } else if (issue.code === "invalid_key") {
      // A record key (a camera name) that failed its own check: its message is nested.
      const inner = issue.issues[0]?.message ?? issue.message;
      lines.push(`${keyPath(issue.path)}: ${inner}`);
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      lines.push(`${keyPath(issue.path)}: ${issue.message}`);
    } else {
      lines.push(`${keyPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}
