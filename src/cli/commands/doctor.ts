import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadSettings, type Settings } from "../../settings/load.ts";
import { DEFAULT_MODELS_DIR, embedderIdFor } from "../../vision/factory.ts";
import { parseCommandArgs, requireOption } from "../args.ts";
import { type CheckResult, fail, formatCheck, ok } from "../doctor/check.ts";
import { checkArch, checkDisk, checkFfmpeg, checkModels, checkNode } from "../doctor/host-checks.ts";
import { checkBroker, checkCameras, checkGallery, checkWritable } from "../doctor/setup-checks.ts";
import { loadModelFetcher } from "./models.ts";

export const doctorUsage = `facegate doctor --config <file.yaml> [--json]
  Checks what the daemon needs with these settings: Node and arch, models (sha256), ffmpeg, each camera source,
  the broker, the gallery, write access to the data folders, free disk. One line per check, with the fix for each
  failure; exit code 1 when anything failed.`;

async function runChecks(configPath: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNode(), checkArch()];
  let settings: Settings;
  try {
    settings = loadSettings(configPath);
    results.push(ok("config", configPath));
  } catch (err) {
    results.push(
      fail("config", (err as Error).message, "fix the settings file (README: Configuration reference)"),
    );
    return results;
  }
  const modelsDir = settings.models_dir ?? DEFAULT_MODELS_DIR;
  const problems = (await loadModelFetcher()).checkModels(modelsDir);
  results.push(checkModels(modelsDir, problems));
  const embedder = join(modelsDir, "fr_feature.onnx");
  const embedderId = problems.length === 0 && existsSync(embedder) ? embedderIdFor(embedder) : null;
  results.push(checkFfmpeg(), ...checkCameras(settings), await checkBroker(settings));
  results.push(
    checkGallery(settings, embedderId),
    ...checkWritable(settings),
    checkDisk(dirname(settings.gallery)),
  );
  return results;
}

export async function runDoctor(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { config: { type: "string" }, json: { type: "boolean" } });
  const results = await runChecks(requireOption(values.config, "--config"));
  const failed = results.filter((r) => r.status === "fail").length;
  if (values.json) process.stdout.write(`${JSON.stringify({ ok: failed === 0, checks: results })}\n`);
  else {
    for (const r of results) console.log(formatCheck(r));
    console.log(failed === 0 ? "\nall checks passed" : `\n${failed} check(s) failed`);
  }
  return failed === 0 ? 0 : 1;
}
