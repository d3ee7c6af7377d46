/** One line of `facegate doctor`: what was checked, how it went, and for a failure what to do about it. */
export interface CheckResult {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  /** What to do; given for every failure, and for warnings that have a fix. */
  fix?: string;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: "ok", detail });
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  status: "warn",
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: "fail",
  detail,
  fix,
});

const TAGS: Record<CheckResult["status"], string> = { ok: "ok  ", warn: "WARN", fail: "FAIL" };

/** `FAIL  camera front_door   /dev/video0 does not exist — fix: plug the camera in …` */
export function formatCheck(r: CheckResult, nameWidth = 18): string {
  const fix = r.fix ? ` — fix: ${r.fix}` : "";
  return `${TAGS[r.status]}  ${r.name.padEnd(nameWidth)} ${r.detail}${fix}`;
}
