export { areaRatio, centre, iou, relativeCentreDistance } from "./box-geometry.ts";
export { type GateReason, type GateVerdict, MotionGate, type MotionGateOptions } from "./motion-gate.ts";
export type { Track } from "./track.ts";
export { IouTracker, type TrackerOptions, type TrackerUpdate } from "./tracker.ts";
