import type { KeyObject } from "node:crypto";
import type { FleetApplied } from "../mqtt/topics.ts";
import { GalleryError } from "../recognition/errors.ts";
import type { GalleryManagement } from "../recognition/gallery.ts";
import {
  checkEmbedder,
  parseGallery,
  readGalleryFile,
  writeGalleryFile,
} from "../recognition/gallery-file.ts";
import { type Envelope, EnvelopeRefused, openEnvelope, unpackGallery } from "./envelope.ts";

export interface FleetApplierOptions {
  /** The door's gallery file (settings `gallery`). */
  galleryPath: string;
  /** fleet.pub */
  publicKey: KeyObject;
  /** The running embedder: a gallery made with another one is refused. */
  embedderId: string;
  /** Recorded in the gallery's management stamp (and named in the refusal of local changes). */
  topic: string;
  now?: () => Date;
}

export type ApplyOutcome =
  /** A newer gallery was written (atomically, the old one kept as `.prev`): reload it. */
  | { kind: "applied"; applied: FleetApplied }
  /** This very envelope is what the door runs already (a retained message delivered again on reconnect). */
  | { kind: "current"; applied: FleetApplied }
  /** The retained message was deleted on the broker: nothing to do, the door keeps its gallery. */
  | { kind: "cleared" }
  | { kind: "refused"; code: EnvelopeRefused["code"]; message: string };

const appliedOf = (m: GalleryManagement, people: number): FleetApplied => ({
  version: m.version,
  sha256: m.sha256,
  people,
  applied_at: m.applied_at,
});

/**
 * The door side of the fleet: checks an envelope (size, shape, format, signature, version, sha256, inflated
 * size, gallery readable by the gallery owner, embedder) and only then replaces the gallery file through the
 * gallery owner. The applied version is stored in the gallery file itself (its management stamp), so the
 * gallery and the version that makes a replay detectable change in one atomic rename: after a restart or a
 * power cut an older envelope is still refused. Anything refused leaves the file untouched.
 */
export class FleetApplier {
  constructor(private readonly options: FleetApplierOptions) {}

  /** What the door runs now, from the gallery file's stamp; null when the gallery is not a fleet one (yet). */
  current(): FleetApplied | null {
    try {
      const g = readGalleryFile(this.options.galleryPath);
      return g?.managed ? appliedOf(g.managed, g.people.size) : null;
    } catch {
      return null;
    }
  }

  /** Synchronous: the check and the write of one envelope are never interleaved with another's. */
  apply(payload: Buffer): ApplyOutcome {
    if (payload.length === 0) return { kind: "cleared" };
    try {
      return this.#apply(payload);
    } catch (err) {
      if (err instanceof EnvelopeRefused) return { kind: "refused", code: err.code, message: err.message };
      // The door's own gallery file could not be read or written (damaged, disk full): nothing was replaced.
      return { kind: "refused", code: "gallery", message: (err as Error).message };
    }
  }

  #apply(payload: Buffer): ApplyOutcome {
    const { galleryPath, publicKey, topic } = this.options;
    const envelope = openEnvelope(payload, publicKey);
    const running = readGalleryFile(galleryPath);
    const stamp = running?.managed ?? null;
    if (stamp) {
      const same = envelope.version === stamp.version;
      if (same && envelope.sha256 === stamp.sha256)
        return { kind: "current", applied: appliedOf(stamp, running?.people.size ?? 0) };
      if (same)
        throw new EnvelopeRefused(
          "conflict",
          `version ${envelope.version} is already applied with other content (sha256 ${stamp.sha256.slice(0, 12)}…, ` +
            `this one ${envelope.sha256.slice(0, 12)}…): two publishers used the same version; publish again`,
        );
      if (envelope.version < stamp.version)
        throw new EnvelopeRefused(
          "replay",
          `version ${envelope.version} is older than the applied version ${stamp.version} (a replayed or stale envelope)`,
        );
    }
    const gallery = this.#readGallery(envelope);
    gallery.managed = {
      by: "fleet",
      version: envelope.version,
      sha256: envelope.sha256,
      topic,
      applied_at: (this.options.now?.() ?? new Date()).toISOString(),
    };
    // Stored as it was published (i8 or f32), so every door runs exactly the same vectors.
    writeGalleryFile(galleryPath, gallery, { as: "fleet", vectors: gallery.vectors });
    return { kind: "applied", applied: appliedOf(gallery.managed, gallery.people.size) };
  }

  #readGallery(envelope: Envelope) {
    const bytes = unpackGallery(envelope);
    const where = `fleet version ${envelope.version}`;
    let gallery: ReturnType<typeof parseGallery>;
    try {
      gallery = parseGallery(bytes.toString("utf8"), where);
    } catch (err) {
      throw new EnvelopeRefused("damaged", (err as Error).message);
    }
    try {
      checkEmbedder(gallery, where, this.options.embedderId);
    } catch (err) {
      if (err instanceof GalleryError) throw new EnvelopeRefused("embedder", err.message);
      throw err;
    }
    if (gallery.people.size !== envelope.people)
      throw new EnvelopeRefused(
        "damaged",
        `envelope says ${envelope.people} people, its gallery holds ${gallery.people.size}`,
      );
    return gallery;
  }
}

/**
 * `facegate fleet detach`: the door leaves the fleet and its gallery becomes an ordinary local one (same people,
 * same vectors). Returns the stamp it carried, or null when it was not managed.
 */
export function detachFromFleet(galleryPath: string): GalleryManagement | null {
  const gallery = readGalleryFile(galleryPath);
  if (!gallery) throw new GalleryError(galleryPath, "does not exist");
  const was = gallery.managed;
  if (!was) return null;
  gallery.managed = null;
  writeGalleryFile(galleryPath, gallery, { as: "fleet", vectors: gallery.vectors });
  return was;
}
