import { readFile } from "node:fs/promises";
import { readGalleryFor } from "../../recognition/gallery-file.ts";
import type { Matcher } from "../../recognition/matcher.ts";
import { buildMatcher, calibrationFor, defaultCalibrationPath } from "../../recognition/recognizer.ts";
import { WEIGHTS_DIR } from "../../vision/factory.ts";
import { VisionClient } from "../../vision/worker/vision-client.ts";
import { parseCommandArgs, requireOption, UsageError } from "../args.ts";
import { expandInputs, type InputItem } from "../inputs.ts";
import { visionConfigFrom, visionFlags } from "../vision-options.ts";

export const identifyUsage = `facegate identify <image or folder>... --gallery <path> [--json] [--threshold <0..1>] [--masked-threshold <0..1>]
  Names every face of every image (null/"unknown" for people not enrolled).
  --json prints one JSON object per input per line.`;

export interface IdentifiedFace {
  name: string | null;
  score: number;
  masked: boolean;
  box: [number, number, number, number];
}

export type IdentifyLine = { file: string; faces: IdentifiedFace[] } | { file: string; error: string };

export async function runIdentify(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    gallery: { type: "string" },
    json: { type: "boolean" },
    threshold: { type: "string" },
    "masked-threshold": { type: "string" },
    ...visionFlags,
  });
  const galleryPath = requireOption(values.gallery, "--gallery");
  if (positionals.length === 0) throw new UsageError("give at least one image or folder");
  const overrides = { full: thresholdArg(values.threshold), upper: thresholdArg(values["masked-threshold"]) };

  const vision = new VisionClient(visionConfigFrom(values));
  await vision.start();
  try {
    const gallery = readGalleryFor(galleryPath, vision.embedderId);
    if (!gallery)
      throw new UsageError(`gallery ${galleryPath} does not exist; create it with \`facegate enroll\``);
    const matcher = buildMatcher(
      gallery,
      calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId),
      overrides,
    );
    const print = values.json ? printJson : printTable();
    let failed = 0;
    // One image is read from disk while the previous one is analysed.
    const items = expandInputs(positionals);
    let next = readNext(items);
    for (;;) {
      const current = await next;
      if (!current) break;
      next = readNext(items);
      const line = await identifyOne(vision, matcher, current);
      if ("error" in line) failed++;
      print(line);
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await vision.stop();
  }
}

type ReadItem = { file: string; bytes: Buffer } | { file: string; error: string };

async function readNext(items: Iterator<InputItem>): Promise<ReadItem | null> {
  const it = items.next();
  if (it.done) return null;
  const item = it.value;
  if ("error" in item) return item;
  try {
    return { file: item.file, bytes: await readFile(item.file) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file: item.file, error: code === "EISDIR" ? "is a folder" : `cannot read (${code ?? "error"})` };
  }
}

async function identifyOne(vision: VisionClient, matcher: Matcher, item: ReadItem): Promise<IdentifyLine> {
  if ("error" in item) return item;
  try {
    const { faces } = await vision.analyzeEncoded(item.bytes);
    return {
      file: item.file,
      faces: faces.map((f) => {
        const m = matcher.match(f);
        return {
          name: m.name,
          score: round(m.score, 4),
          masked: f.masked,
          box: f.box.map((v) => Math.round(v)) as [number, number, number, number],
        };
      }),
    };
  } catch (err) {
    return { file: item.file, error: (err as Error).message };
  }
}

function thresholdArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new UsageError("thresholds are numbers between 0 and 1");
  return n;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

function printJson(line: IdentifyLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function printTable(): (line: IdentifyLine) => void {
  let header = false;
  return (line) => {
    if (!header) {
      console.log(`${"file".padEnd(40)} ${"name".padEnd(24)} ${"score".padStart(5)}  masked  box`);
      header = true;
    }
    const file = line.file.length > 40 ? `…${line.file.slice(-39)}` : line.file.padEnd(40);
    if ("error" in line) {
      console.log(`${file} ERROR: ${line.error}`);
      return;
    }
    if (line.faces.length === 0) console.log(`${file} (no face)`);
    for (const f of line.faces) {
      console.log(
        `${file} ${(f.name ?? "unknown").padEnd(24)} ${f.score.toFixed(2).padStart(5)}  ${f.masked ? "yes   " : "no    "}  ${f.box.join(",")}`,
      );
    }
  };
}
