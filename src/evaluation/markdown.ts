import type { ConditionReport, EvalReport, FalseAccepts } from "./report.ts";

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const fa = (f: FalseAccepts) => `${pct(f.rate)} (${f.named}/${f.strangers})`;
const num = (v: number) => v.toFixed(3);

/** The evaluation as a markdown table: one column per condition, one row per figure. */
export function markdownReport(r: EvalReport): string {
  const c = r.conditions;
  const line = (label: string, f: (x: ConditionReport) => string) => `| ${label} | ${c.map(f).join(" | ")} |`;
  const splitLabel = r.split === "all" ? "all strangers" : `split ${r.split} strangers`;
  return [
    `| lfw-dev, ${r.gallerySize} people enrolled | ${c.map((x) => x.condition).join(" | ")} |`,
    `| --- | ${c.map(() => "---").join(" | ")} |`,
    line("probes of enrolled people", (x) => String(x.probes)),
    line("**identified correctly**", (x) => `**${num(x.identificationRate)}**`),
    line("named as someone else", (x) => num(x.misidentificationRate)),
    line("rank-1 (best candidate right)", (x) => num(x.rank1)),
    line("**strangers named, split B (not used to calibrate)**", (x) => `**${fa(x.falseAccepts.B)}**`),
    line("strangers named, split A (calibration people)", (x) => fa(x.falseAccepts.A)),
    line("strangers named, all", (x) => fa(x.falseAccepts.all)),
    line(`TAR @ FAR 1 % (${splitLabel})`, (x) => num(x.tarAtFar["0.01"])),
    line(`TAR @ FAR 0.1 % (${splitLabel})`, (x) => num(x.tarAtFar["0.001"])),
    line("mask flag right", (x) => `${num(x.maskFlag.accuracy)} (${x.maskFlag.correct}/${x.maskFlag.rows})`),
    line("compared as masked (upper face)", (x) => `${x.spaces.upper}/${x.spaces.full + x.spaces.upper}`),
    line(
      "no face found (probes / strangers)",
      (x) => `${x.detectionFailures.probes} / ${x.detectionFailures.strangers}`,
    ),
    "",
    "| per visit (several photos of one person as one set, as the daemon decides a visit) | visits | identified | someone else |",
    "| --- | --- | --- | --- |",
    ...r.visits.map(
      (v) =>
        `| ${v.condition}: ${v.photosPerVisit} photos | ${v.visits} | ` +
        `**${num(v.identificationRate)}** | ${num(v.misidentificationRate)} |`,
    ),
    "",
    `thresholds: full ${r.thresholds.full.toFixed(4)}, upper ${r.thresholds.upper.toFixed(4)}; visit sets: full ` +
      `${r.setThresholds.full.toFixed(4)}, upper ${r.setThresholds.upper.toFixed(4)} (gallery of ${r.gallerySize}); ` +
      `embedder ${r.embedder}, detector ${r.detector}, mask classifier ${r.maskClassifier ?? "none"}, masked-path projection ${r.upperProjection ?? "none"}`,
  ].join("\n");
}
