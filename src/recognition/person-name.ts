/**
 * What a person's name may be. Names become folder names (training photos), parts of file names (snapshots) and
 * URL path segments (the web API), so the few characters that could escape a folder or break a line are refused;
 * everything else (spaces, accents, any script) is a name.
 */

export const PERSON_NAME_MAX = 100;

/**
 * As a JSON-schema `pattern` (ajv compiles it with the `u` flag): not "." or "..", no '/', '\', control or
 * line-separator characters, no space at either end.
 */
export const PERSON_NAME_PATTERN = String.raw`^(?!\.{1,2}$)(?!\s)(?!.*\s$)[^/\\\p{Cc}\p{Zl}\p{Zp}]+$`;

const pattern = new RegExp(PERSON_NAME_PATTERN, "u");

export const PERSON_NAME_RULE = `1–${PERSON_NAME_MAX} characters; no '/', '\\', control characters or spaces at either end; not "." or ".."`;

/** Why a name cannot be used, or null when it can. Names are compared in Unicode NFC (see forget.ts). */
export function personNameProblem(name: string): string | null {
  const n = name.normalize("NFC");
  if (n.length === 0) return "a name is needed";
  if ([...n].length > PERSON_NAME_MAX) return `longer than ${PERSON_NAME_MAX} characters`;
  if (!pattern.test(n)) return `not a usable name (${PERSON_NAME_RULE})`;
  return null;
}
