/**
 * Trains the mask flag (weights/mask-classifier.json) and prints its figures. Two stages, so the slow part
 * (running every photo through the real analyzer) can run in parallel processes and be cached:
 *   node --import tsx scripts/train-mask-classifier.ts extract --part 0/2 [--cache /tmp/mask-cache] [--shared ../shared/data]
 *   node --import tsx scripts/train-mask-classifier.ts extract --part 1/2 …   (in a second shell)
 *   node --import tsx scripts/train-mask-classifier.ts train [--cache /tmp/mask-cache] [--out weights/mask-classifier.json]
 * Recipe and splits: see src/training/mask/extract.ts and src/training/mask/recipe.ts.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { maskJobs, runJob } from "../src/training/mask/extract.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    shared: { type: "string", default: "../shared/data" },
    seed: { type: "string", default: "7" },
    cache: { type: "string", default: "/tmp/mask-cache" },
    part: { type: "string", default: "0/1" },
    masks: { type: "string", default: "2" },
    out: { type: "string", default: "weights/mask-classifier.json" },
  },
});
const stage = positionals[0] ?? "train";
const shared = resolve(values.shared);
const seed = Number(values.seed);
mkdirSync(values.cache, { recursive: true });

if (stage === "extract") {
  const { createAnalyzer } = await import("../src/vision/factory.ts");
  const [part, parts] = values.part.split("/").map(Number);
  const analyzer = await createAnalyzer({ threads: 1 });
  const jobs = maskJobs(shared, Number(values.masks));
  const file = join(values.cache, `part-${part}.jsonl`);
  // Resumable: jobs whose photo is already in the cache are not run again.
  const done0 = new Set(
    existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => {
            const r = JSON.parse(l) as { id?: string; missed?: string };
            return r.missed ?? (r.id ?? "").split("#")[0];
          })
      : [],
  );
  const t0 = performance.now();
  let done = 0;
  for (let i = part; i < jobs.length; i += parts) {
    const j = jobs[i];
    if (done0.has(j.path) || done0.has(`${j.set}/${j.path.split("/").slice(-2).join("/")}`)) continue;
    const records = await runJob(analyzer, jobs[i], seed, i);
    if (!records.length)
      appendFileSync(file, `${JSON.stringify({ missed: jobs[i].path, set: jobs[i].set })}\n`);
    for (const r of records) appendFileSync(file, `${JSON.stringify(r)}\n`);
    if (++done % 50 === 0)
      console.log(`${done} jobs, ${((performance.now() - t0) / done).toFixed(0)} ms/job`);
  }
  await analyzer.close();
  console.log(`part ${part}/${parts} done`);
} else {
  const { trainStage } = await import("../src/training/mask/recipe.ts");
  await trainStage(values.cache, values.out, seed);
}
