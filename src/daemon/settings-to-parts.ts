import type { LoadOptions } from "../pipeline/recognition-state.ts";
import type { ThresholdOverrides } from "../recognition/recognizer.ts";
import type { Settings } from "../settings/load.ts";
import type { Logger } from "../system/logger.ts";
import { FaceClassifierClient } from "../vision/face-classifier/client.ts";
import type { VisionConfig } from "../vision/factory.ts";

/*
 * How the daemon's parts are configured from the settings file: the settings' snake_case shape stays at this
 * edge, the parts take their own options. daemon.ts (the composition root) builds the parts with these.
 */

/** The vision worker's models; the daemon never takes a second look at a frame (a visit gives many). */
export function visionConfigOf(settings: Settings): VisionConfig {
  const d = settings.detector;
  return {
    modelsDir: settings.models_dir,
    detector: {
      kind: d.kind,
      model: d.model,
      minScore: d.min_score,
      inputSize: d.input_size,
      secondLook: false,
    },
  };
}

/** Thresholds set in the settings; unset ones come from the calibration. */
export function thresholdsOf(settings: Settings): ThresholdOverrides {
  return { full: settings.recognition.threshold, upper: settings.recognition.masked_threshold };
}

/** What a reload re-reads from the settings: thresholds, not which model or classifier (that needs a restart). */
export function loadOptionsOf(settings: Settings): LoadOptions {
  return {
    thresholds: thresholdsOf(settings),
    unknownThreshold: settings.recognition.classifier?.unknown_threshold,
  };
}

/** The whole-face classifier's worker when `recognition.classifier` is set (it then names faces). */
export function classifierOf(settings: Settings, logger: Logger): FaceClassifierClient | null {
  const c = settings.recognition.classifier;
  if (!c) return null;
  return new FaceClassifierClient(
    {
      modelDir: c.model_dir,
      classNamesFile: c.class_names,
      inputSize: c.input_size,
      preprocess: c.preprocess,
      cropScale: c.crop_scale,
    },
    { logger: logger.child({ part: "classifier" }) },
  );
}
