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

/** The people facegate knows, for one embedder. Pure data: reading and writing live in gallery-file.ts. */
export class Gallery {
  readonly people = new Map<string, Person>();

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
