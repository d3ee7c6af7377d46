/** The visit measurement as a markdown table: one column per condition, enrolled people's visits and strangers'. */
import type { ConditionSummary, VisitSummary } from "../../src/evaluation/visit-score.ts";

const share = (n: number, of: number) => (of ? (n / of).toFixed(3) : "–");
const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)} % (${n}/${of})` : "–");
const sec = (v: number | null) => (v === null ? "–" : `${v.toFixed(1)} s`);

export function visitMarkdown(s: VisitSummary): string {
  const e = [s.enrolled.unmasked, s.enrolled.masked];
  const row = (label: string, f: (c: ConditionSummary) => string, list = e) =>
    `| ${label} | ${list.map(f).join(" | ")} |`;
  const st = (split: "A" | "B" | "all") => [s.strangers.unmasked[split], s.strangers.masked[split]];
  return [
    "| visits through the daemon | unmasked | masked |",
    "| --- | --- | --- |",
    row("visits of enrolled people", (c) => String(c.visits)),
    row("**named right**", (c) => `**${share(c.right, c.visits)}**`),
    row("named as someone else", (c) => share(c.wrong, c.visits)),
    row("unknown", (c) => share(c.unknown, c.visits)),
    row("no decision at all", (c) => share(c.none, c.visits)),
    row("first `unknown`, later `identified`", (c) => share(c.upgraded, c.visits)),
    row("one person's visit split in two or more", (c) => share(c.split, c.visits)),
    row("… by the same-person check (false splits)", (c) => share(c.splitByFace, c.visits)),
    row("time to the right name, median / 90 %", (c) => `${sec(c.nameS.p50)} / ${sec(c.nameS.p90)}`),
    row(
      "time to the first event, median / 90 %",
      (c) => `${sec(c.firstDecisionS.p50)} / ${sec(c.firstDecisionS.p90)}`,
    ),
    row("faces behind the right name, median", (c) =>
      c.nameFaces.p50 === null ? "–" : String(c.nameFaces.p50),
    ),
    row("**strangers' visits named, split B**", (c) => `**${pct(c.wrong, c.visits)}**`, st("B")),
    row("strangers' visits named, split A / all", (c) => pct(c.wrong, c.visits), st("A")),
    row("strangers' visits named, all", (c) => pct(c.wrong, c.visits), st("all")),
    row("strangers' visits split in two or more", (c) => share(c.split, c.visits), st("all")),
    row("… by the same-person check (false splits)", (c) => share(c.splitByFace, c.visits), st("all")),
    "",
    `Queued visits (no empty frame before them): ${s.queued.visits}, of which ${s.queued.none} got no decision of their own.`,
  ].join("\n");
}
