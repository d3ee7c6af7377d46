// "Not this person" on lfw-dev: every enrolled person S is left out of the gallery in turn (a stranger to it);
// when one of S's photos is named as someone P, that photo is rejected for P (a negative template, as the web
// page's reject does) and S's other photos, P's own probe photos and the never-enrolled strangers are matched
// again. Run at the household threshold (0.400 whole face, 0.594 upper face: galleries up to 20 people) and
// looser ones, where more strangers are named wrongly to begin with.
//
// Run: node --import tsx scripts/measure-negatives.ts [--manifest ../shared/data/lfw-dev/manifest.tsv]
// (analyses come from the evaluation cache in ~/.cache/facegate; a cold run analyses 2,465 images first)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { productEvalGallery, subjectFace } from "../src/evaluation/eval-gallery.ts";
import { loadAnalyses } from "../src/evaluation/load-analyses.ts";
import { readManifest } from "../src/evaluation/manifest.ts";
import { Gallery, type TemplateSpace } from "../src/recognition/gallery.ts";
import { Matcher, type Thresholds } from "../src/recognition/matcher.ts";
import { negativeThresholds } from "../src/recognition/recognizer.ts";
import { captureSource } from "../src/recognition/teach.ts";
import type { FaceAnalysis } from "../src/vision/analyzer.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";

const { values } = parseArgs({
  options: { manifest: { type: "string", default: join("..", "shared", "data", "lfw-dev", "manifest.tsv") } },
});
const rows = readManifest(values.manifest as string);
const vision = new VisionClient({});
await vision.start();
const analyses = await loadAnalyses(vision, rows, undefined);
await vision.stop();
const { gallery, calibration } = productEvalGallery(rows, analyses, vision);
const face = (path: string) => subjectFace(analyses.get(path));
const names = gallery.names();

interface Tally {
  threshold: number;
  cases: number;
  strangerOthersNamed: [before: number, after: number, of: number];
  ownNamed: [before: number, after: number, of: number];
  otherStrangersNamed: [before: number, after: number, of: number];
}

function measure(masked: boolean, threshold: number): Tally {
  const space: TemplateSpace = masked ? "upper" : "full";
  const thresholds: Thresholds = { full: masked ? 0.99 : threshold, upper: threshold };
  const negatives = negativeThresholds(calibration, thresholds);
  const photos = (identity: string, role?: string) =>
    rows
      .filter(
        (r) =>
          r.identity === identity && r.masked === masked && (role ? r.role === role : r.role !== "unknown"),
      )
      .map((r) => face(r.path))
      .filter((f): f is FaceAnalysis => f !== null);
  const strangers = rows
    .filter((r) => r.role === "unknown" && r.masked === masked)
    .map((r) => face(r.path))
    .filter((f): f is FaceAnalysis => f !== null);
  const tally: Tally = {
    threshold,
    cases: 0,
    strangerOthersNamed: [0, 0, 0],
    ownNamed: [0, 0, 0],
    otherStrangersNamed: [0, 0, 0],
  };
  const add = (t: [number, number, number], before: number, after: number, of: number) => {
    t[0] += before;
    t[1] += after;
    t[2] += of;
  };
  for (const stranger of names) {
    const g = new Gallery(gallery.embedderId, gallery.dim);
    for (const n of names)
      if (n !== stranger) g.put(gallery.people.get(n) as NonNullable<ReturnType<typeof gallery.people.get>>);
    const match = (m: Matcher, f: FaceAnalysis) => m.match({ ...f, masked }).name;
    const before = new Matcher(g, thresholds, { negative: negatives });
    const own = photos(stranger);
    const wrong = own.findIndex((f) => match(before, f) !== null);
    if (wrong < 0) continue;
    const named = match(before, own[wrong]) as string;
    tally.cases++;
    const others = own.filter((_, i) => i !== wrong);
    const probes = photos(named, "probe");
    const count = (m: Matcher, faces: FaceAnalysis[]) => faces.filter((f) => match(m, f) === named).length;
    const b = [count(before, others), count(before, probes), count(before, strangers)];
    const person = g.people.get(named);
    if (!person) continue;
    const f = own[wrong];
    const source = captureSource(`lfw-${stranger}`);
    g.put({
      ...person,
      negatives: [
        ...(masked ? [] : [{ space: "full" as const, vector: f.embedding, source, masked }]),
        ...(f.upperEmbedding ? [{ space: "upper" as const, vector: f.upperEmbedding, source, masked }] : []),
      ].filter((t) => !masked || t.space === space),
    });
    const after = new Matcher(g, thresholds, { negative: negatives });
    add(tally.strangerOthersNamed, b[0], count(after, others), others.length);
    add(tally.ownNamed, b[1], count(after, probes), probes.length);
    add(tally.otherStrangersNamed, b[2], count(after, strangers), strangers.length);
  }
  return tally;
}

const line = (t: [number, number, number]) => `${t[0]} → ${t[1]} of ${t[2]}`;
console.log(
  `negative thresholds (calibrated 1-to-1): ${JSON.stringify(negativeThresholds(calibration, { full: 0, upper: 0 }))}`,
);
console.log(
  "| photos | threshold | strangers named wrongly (cases) | their other photos given that name | the person's own probes named | other strangers given that name |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const [masked, list] of [
  [false, [0.4, 0.35, 0.3]],
  [true, [0.594, 0.55, 0.5]],
] as const) {
  for (const threshold of list) {
    const t = measure(masked, threshold);
    console.log(
      `| ${masked ? "masked" : "unmasked"} | ${threshold} | ${t.cases} | ${line(t.strangerOthersNamed)} | ${line(t.ownNamed)} | ${line(t.otherStrangersNamed)} |`,
    );
  }
}
