import type { FaceSample } from "./dataset.ts";
import { type Rng, shuffleInPlace } from "./rng.ts";

/**
 * Stratified, seeded train/validation split by photo: a photo and its augmentations always fall on the same
 * side (an augmented twin in validation would flatter the accuracy). Each class keeps at least one photo for
 * training; a class with a single photo has none in validation.
 */
export function splitByPhoto(
  samples: FaceSample[],
  fraction: number,
  rng: Rng,
): { train: FaceSample[]; val: FaceSample[] } {
  const groupsByLabel = new Map<number, number[]>();
  const seen = new Set<number>();
  for (const s of samples) {
    if (seen.has(s.group)) continue;
    seen.add(s.group);
    const list = groupsByLabel.get(s.label) ?? [];
    list.push(s.group);
    groupsByLabel.set(s.label, list);
  }
  const valGroups = new Set<number>();
  for (const label of [...groupsByLabel.keys()].sort((a, b) => a - b)) {
    const groups = shuffleInPlace([...(groupsByLabel.get(label) ?? [])], rng);
    const n =
      groups.length < 2 ? 0 : Math.min(groups.length - 1, Math.max(1, Math.round(groups.length * fraction)));
    for (const g of groups.slice(0, n)) valGroups.add(g);
  }
  const train: FaceSample[] = [];
  const val: FaceSample[] = [];
  // Validation measures real photos: augmented copies of validation photos are dropped, not trained on.
  for (const s of samples) {
    if (!valGroups.has(s.group)) train.push(s);
    else if (!s.augmented) val.push(s);
  }
  return { train, val };
}
