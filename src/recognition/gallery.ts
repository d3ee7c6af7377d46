/** Which comparison a template serves: the whole face, or the face with the lower part greyed (masked path). */
export type TemplateSpace = "full" | "upper";

export interface Template {
  space: TemplateSpace;
  /** L2-normalised embedding. */
  vector: Float32Array;
  /** Photo it came from (file name only, never the image). */
  source: string;
  /** Whether the photo itself shows a mask (the person's own masked photos are accepted at enrollment). */
  masked: boolean;
}

export interface Person {
  name: string;
  enrolledAt: string;
  templates: Template[];
  /**
   * Faces that are NOT this person ("not this person" on the page): a face close to one of them is never given
   * this name (see Matcher). Absent or empty for most people.
   */
  negatives?: Template[];
}

/**
 * How a gallery file stores its vectors: "f32" exactly (what enrollment writes), or "i8" — each vector as a
 * float32 scale and one signed byte per value, a quarter of the size, used to ship large galleries to a fleet
 * of doors in one MQTT message (see src/fleet/).
 */
export type VectorEncoding = "f32" | "i8";

/**
 * Set on a gallery that a fleet publisher manages: the door got it as a signed envelope and must not change it
 * locally (a local change would be overwritten by the next publish). `version` is the envelope version applied;
 * it is stored in the same file, so the gallery and the version that proves it is not a replay are replaced in
 * one atomic rename.
 */
export interface GalleryManagement {
  by: "fleet";
  version: number;
  /** sha256 of the gallery bytes as published. */
  sha256: string;
  /** The MQTT topic the envelope came from. */
  topic: string;
  applied_at: string;
}

/** The people facegate knows, for one embedder. Pure data: reading and writing live in gallery-file.ts. */
export class Gallery {
  readonly people = new Map<string, Person>();
  /** How the file it was read from stored its vectors (written the same way only when asked). */
  vectors: VectorEncoding = "f32";
  /** Who manages it: null for a gallery enrolled on this machine. */
  managed: GalleryManagement | null = null;

  constructor(
    readonly embedderId: string,
    readonly dim: number,
  ) {}

  names(): string[] {
    return [...this.people.keys()].sort((a, b) => a.localeCompare(b));
  }

  /** Adds or replaces a person. */
  put(person: Person): void {
    for (const t of [...person.templates, ...(person.negatives ?? [])]) {
      if (t.vector.length !== this.dim) {
        throw new Error(`template of ${person.name} has ${t.vector.length} values, the gallery ${this.dim}`);
      }
    }
    this.people.set(person.name, person);
  }

  remove(name: string): boolean {
    return this.people.delete(name);
  }
}
