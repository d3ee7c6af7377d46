import { shareShrinks } from "../resize.ts";
import type { Detection, FaceDetector, RgbImage, TwoStepDetector } from "../types.ts";
import { iou, nms } from "./common.ts";
import { detectInRegions, detectMirrored, tileRegions } from "./passes.ts";

export interface CascadeOptions {
  /** Primary detections at or above this are taken as they are. */
  acceptScore?: number;
  /** Primary detections from here up to acceptScore are doubtful: kept only when the verifier agrees. */
  candidateScore?: number;
  /** A verifier detection this sure, overlapping a doubtful one by more than `confirmIou`, confirms it. */
  confirmScore?: number;
  confirmIou?: number;
  /** A verifier detection this sure is taken even where the primary saw nothing (masked faces it missed). */
  rescueScore?: number;
  /**
   * Second look when both passes found nothing: the primary on `zoomGrid`×`zoomGrid` overlapping tiles (each
   * `zoomFraction` of the picture) and on the mirrored picture. Its detections are taken at `zoomAcceptScore`,
   * or from `zoomCandidateScore` when the verifier's full-picture pass confirms them. 0 tiles turns it off.
   */
  zoomGrid?: number;
  zoomFraction?: number;
  zoomAcceptScore?: number;
  zoomCandidateScore?: number;
  mirror?: boolean;
}

/**
 * Two detectors that fail differently: BlazeFace (fast, but fooled by textures and unsure of masked faces) and
 * RFB-320 + 68-point landmarks (slower, fewer false alarms). The verifier runs only when the primary is not sure
 * of everything it saw or saw nothing, so a frame with clear faces costs one BlazeFace pass; the zoomed and
 * mirrored looks run only when neither found anything (BlazeFace sees a photo at 256 px, where a face of a tenth
 * of the picture is too small for it). Defaults were chosen on the even-prefix half of rwmfd-dev and of the
 * faceless set of test/helpers/faceless.ts (see the mask-detection bench test).
 */
type Scored = Omit<Detection, "landmarks">;

const isTwoStep = (d: FaceDetector): d is TwoStepDetector =>
  typeof (d as Partial<TwoStepDetector>).boxes === "function" &&
  typeof (d as Partial<TwoStepDetector>).landmarksFor === "function";

export class CascadeDetector implements FaceDetector {
  readonly id: string;
  private readonly accept: number;
  private readonly confirm: number;
  private readonly confirmIou: number;
  private readonly rescue: number;
  private readonly zoomGrid: number;
  private readonly zoomFraction: number;
  private readonly zoomAccept: number;
  private readonly zoomCandidate: number;
  private readonly mirror: boolean;
  /** The primary must be created with its minScore at candidateScore; kept for the id and checks. */
  readonly candidateScore: number;

  constructor(
    private readonly primary: FaceDetector,
    private readonly verifier: FaceDetector,
    opts: CascadeOptions = {},
  ) {
    this.accept = opts.acceptScore ?? 0.7;
    this.candidateScore = opts.candidateScore ?? 0.3;
    this.confirm = opts.confirmScore ?? 0.3;
    this.confirmIou = opts.confirmIou ?? 0.3;
    this.rescue = opts.rescueScore ?? 0.8;
    this.zoomGrid = opts.zoomGrid ?? 2;
    this.zoomFraction = opts.zoomFraction ?? 0.6;
    this.zoomAccept = opts.zoomAcceptScore ?? 0.9;
    // 0.4 rather than 0.5: masked faces seen in a tile or the mirror often score 0.4–0.5, and the verifier's
    // agreement keeps the faceless false detections where they were (rwmfd-dev, even half: +2 photos, 0 more false).
    this.zoomCandidate = opts.zoomCandidateScore ?? 0.4;
    this.mirror = opts.mirror ?? true;
    this.id = `cascade-${primary.id}+${verifier.id}`;
  }

  async detect(frame: RgbImage): Promise<Detection[]> {
    const image = shareShrinks(frame); // both detectors shrink the frame the same way first: once is enough
    const found = (await this.primary.detect(image)).filter((d) => d.score >= this.candidateScore);
    const sure = found.filter((d) => d.score >= this.accept);
    const doubtful = found.filter((d) => d.score < this.accept);
    if (sure.length > 0 && doubtful.length === 0) return sure;
    const second = (await this.verifierBoxes(image)).filter(
      (v) => v.score >= Math.min(this.confirm, this.rescue),
    );
    const kept = [...sure, ...this.confirmed(doubtful, second)];
    const rescued = await this.withLandmarks(
      image,
      second.filter((v) => v.score >= this.rescue && !kept.some((d) => iou(d.box, v.box) > 0.3)),
    );
    const result = [...kept, ...rescued];
    if (result.length > 0 || (this.zoomGrid === 0 && !this.mirror)) return result;
    return this.secondLook(image, second);
  }

  /** The verifier's faces; boxes only when it can (confirming needs no landmarks: only rescued faces get them). */
  private verifierBoxes(image: RgbImage): Promise<(Scored | Detection)[]> {
    return isTwoStep(this.verifier) ? this.verifier.boxes(image) : this.verifier.detect(image);
  }

  private async withLandmarks(image: RgbImage, faces: (Scored | Detection)[]): Promise<Detection[]> {
    const out: Detection[] = [];
    for (const f of faces) {
      if ("landmarks" in f) out.push(f);
      else if (isTwoStep(this.verifier))
        out.push({ ...f, landmarks: await this.verifier.landmarksFor(image, f.box) });
    }
    return out;
  }

  /** Doubtful primary detections that a verifier detection overlaps. */
  private confirmed(doubtful: Detection[], second: Scored[]): Detection[] {
    return doubtful.filter((d) =>
      second.some((v) => v.score >= this.confirm && iou(d.box, v.box) > this.confirmIou),
    );
  }

  private async secondLook(image: RgbImage, second: Scored[]): Promise<Detection[]> {
    const looks: Detection[] = [];
    if (this.zoomGrid > 0) {
      const tiles = tileRegions(image.width, image.height, this.zoomGrid, this.zoomFraction);
      looks.push(...(await detectInRegions(this.primary, image, tiles)));
    }
    if (this.mirror) looks.push(...(await detectMirrored(this.primary, image)));
    const candidates = looks.filter((d) => d.score >= this.zoomCandidate);
    const taken = [
      ...candidates.filter((d) => d.score >= this.zoomAccept),
      ...this.confirmed(
        candidates.filter((d) => d.score < this.zoomAccept),
        second,
      ),
    ];
    // The same face seen in two overlapping tiles, or in a tile and the mirror, is one face.
    return nms(taken, 0.3);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.verifier.close()]);
  }
}
