// How well the web page's "Who is this?" queue groups unknown captures of the same stranger (web/capture-groups.ts)
// on lfw-dev: captures made of several photos each of `--people` people plus one photo each of `--strangers`
// never-enrolled people, grouped at the thresholds the daemon uses (recognizer.ts sameStrangerThresholds).
// Reports pairwise precision (two captures in one group are the same person) and recall (two captures of one
// person end in one group), how many people's captures all land in one group, and groups mixing people.
//
// Run: node --import tsx scripts/measure-grouping.ts [--people 40] [--photos 3] [--strangers 80] [--masked]
// (analyses come from the evaluation cache in ~/.cache/facegate)
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { subjectFace } from "../src/evaluation/eval-gallery.ts";
import { loadAnalyses } from "../src/evaluation/load-analyses.ts";
import { readManifest } from "../src/evaluation/manifest.ts";
import type { Capture } from "../src/recognition/capture-store.ts";
import {
  calibrationFor,
  defaultCalibrationPath,
  sameStrangerThresholds,
} from "../src/recognition/recognizer.ts";
import { WEIGHTS_DIR } from "../src/vision/factory.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { groupCaptures } from "../src/web/capture-groups.ts";

const { values } = parseArgs({
  options: {
    manifest: { type: "string", default: join("..", "shared", "data", "lfw-dev", "manifest.tsv") },
    people: { type: "string", default: "40" },
    photos: { type: "string", default: "3" },
    strangers: { type: "string", default: "80" },
    masked: { type: "boolean", default: false },
  },
});
const masked = values.masked === true;
const rows = readManifest(values.manifest as string).filter((r) => r.masked === masked);
const vision = new VisionClient({});
await vision.start();
const analyses = await loadAnalyses(vision, rows, undefined);
await vision.stop();
const thresholds = sameStrangerThresholds(
  calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId),
  vision.embedderId,
);
if (!thresholds) throw new Error("no calibration for this embedder");
const hash = (s: string) => createHash("sha256").update(s).digest("hex");

const captures: Capture[] = [];
const identity = new Map<string, string>();
const add = (path: string, who: string) => {
  const f = subjectFace(analyses.get(path));
  if (!f) return false;
  const id = `c${captures.length}`;
  identity.set(id, who);
  captures.push({
    id,
    camera: "door",
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, captures.length)).toISOString(),
    first_seen: "",
    track_id: id,
    name: null,
    decided_name: null,
    assigned: false,
    rejected: [],
    score: 0,
    masked,
    box: [0, 0, 0, 0],
    embedder: vision.embedderId,
    embedding: f.embedding,
    upper: f.upperEmbedding ?? null,
  });
  return true;
};
const byPerson = new Map<string, string[]>();
for (const r of rows)
  if (r.role !== "unknown") byPerson.set(r.identity, [...(byPerson.get(r.identity) ?? []), r.path]);
const perPerson = Number(values.photos);
const people = [...byPerson.keys()]
  .filter((p) => (byPerson.get(p)?.length ?? 0) >= perPerson)
  .sort((a, b) => hash(a).localeCompare(hash(b)))
  .slice(0, Number(values.people));
for (const p of people) for (const path of (byPerson.get(p) ?? []).slice(0, perPerson)) add(path, p);
const strangers = rows
  .filter((r) => r.role === "unknown")
  .sort((a, b) => hash(a.path).localeCompare(hash(b.path)))
  .slice(0, Number(values.strangers));
for (const r of strangers) add(r.path, `stranger:${r.path}`);

const started = performance.now();
const groups = groupCaptures(captures, thresholds);
const ms = performance.now() - started;
let samePairs = 0;
let samePairsGrouped = 0;
let groupedPairs = 0;
for (let i = 0; i < captures.length; i++)
  for (let j = i + 1; j < captures.length; j++) {
    const same = identity.get(captures[i].id) === identity.get(captures[j].id);
    const together = groups.get(captures[i].id) === groups.get(captures[j].id);
    if (same) samePairs++;
    if (same && together) samePairsGrouped++;
    if (together) groupedPairs++;
  }
const members = new Map<string, Set<string>>();
for (const c of captures) {
  const g = groups.get(c.id) as string;
  members.set(g, (members.get(g) ?? new Set()).add(identity.get(c.id) as string));
}
const whole = people.filter((p) => {
  const gs = new Set(captures.filter((c) => identity.get(c.id) === p).map((c) => groups.get(c.id)));
  return gs.size === 1;
}).length;
const mixed = [...members.values()].filter((s) => s.size > 1).length;
console.log(
  JSON.stringify({
    masked,
    thresholds,
    captures: captures.length,
    groups: members.size,
    pairwise_precision: groupedPairs ? Number((samePairsGrouped / groupedPairs).toFixed(3)) : null,
    pairwise_recall: samePairs ? Number((samePairsGrouped / samePairs).toFixed(3)) : null,
    people_in_one_group: `${whole}/${people.length}`,
    groups_mixing_people: mixed,
    ms: Math.round(ms),
  }),
);
