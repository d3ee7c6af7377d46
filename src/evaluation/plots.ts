import { mkdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { confusionSvg } from "./confusion-plot.ts";
import type { CurvePoint } from "./metrics.ts";
import type { Condition, ConditionReport, Confusion, StrangerSplit } from "./report.ts";
import { rocSvg } from "./roc-plot.ts";

export interface PlotInput {
  condition: Condition;
  report: ConditionReport;
  curve: CurvePoint[];
  confusions: Confusion[];
}

const COLORS: Record<Condition, string> = { unmasked: "#1f6fb4", masked: "#e07b00" };

/** Writes roc.png and one confusion-<condition>.png per condition; returns the paths written. */
export async function writePlots(dir: string, inputs: PlotInput[], split: StrangerSplit): Promise<string[]> {
  const strangersLabel = split === "all" ? "all strangers" : `strangers of split ${split}`;
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const png = async (name: string, svg: string) => {
    const path = join(dir, name);
    await sharp(Buffer.from(svg)).png().toFile(path);
    written.push(path);
  };
  await png(
    "roc.png",
    rocSvg(
      inputs.map((i) => ({
        label: i.condition,
        color: COLORS[i.condition],
        curve: i.curve,
        operating: {
          far: i.report.falseAccepts[split].rate,
          tar: i.report.identificationRate,
        },
      })),
      `Open-set identification, lfw-dev (${strangersLabel})`,
    ),
  );
  for (const i of inputs) {
    await png(
      `confusion-${i.condition}.png`,
      confusionSvg(i.confusions, `Top confusions, ${i.condition} photos (${strangersLabel})`),
    );
  }
  return written;
}
