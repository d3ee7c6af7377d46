import type { Capture } from "./capture-store.ts";
import { templatesOf } from "./enroll.ts";
import type { Gallery, Person, Template } from "./gallery.ts";

/**
 * Teaching from captures (the web page): what "this is Anna" and "this is not Anna" do to a gallery. Pure
 * functions on a Gallery; the caller runs them inside updateGalleryFile (lock, re-read, atomic write).
 */

export class TeachError extends Error {
  constructor(
    readonly kind: "not_found" | "conflict",
    message: string,
  ) {
    super(message);
    this.name = "TeachError";
  }
}

/** Templates made from a capture carry this source, so a later reject or assign of it can find them. */
export function captureSource(id: string): string {
  return `capture:${id}`;
}

/** The templates a capture gives, by the same rule as an enrolled photo (see enroll.ts templatesOf). */
export function captureTemplates(capture: Capture): Template[] {
  return templatesOf(
    { embedding: capture.embedding, upperEmbedding: capture.upper, masked: capture.masked },
    captureSource(capture.id),
  );
}

/** "This is `name`": the capture's templates join that person (made if new); an earlier "not them" for it goes. */
export function assignCapture(gallery: Gallery, name: string, capture: Capture, now = new Date()): Person {
  const source = captureSource(capture.id);
  const existing = gallery.people.get(name);
  const person: Person = {
    name,
    enrolledAt: existing?.enrolledAt ?? now.toISOString(),
    templates: [
      ...(existing?.templates ?? []).filter((t) => t.source !== source),
      ...captureTemplates(capture),
    ],
    negatives: (existing?.negatives ?? []).filter((t) => t.source !== source),
  };
  gallery.put(person);
  return person;
}

/**
 * "This is not `name`": the capture's templates become negatives of that person (a face near them is never
 * given the name again, see Matcher), and templates an earlier assign of it added go.
 */
export function rejectCapture(gallery: Gallery, name: string, capture: Capture): Person {
  const existing = gallery.people.get(name);
  if (!existing) throw new TeachError("conflict", `${name} is not enrolled (any more): nothing to correct`);
  const source = captureSource(capture.id);
  const person: Person = {
    ...existing,
    templates: existing.templates.filter((t) => t.source !== source),
    negatives: [
      ...(existing.negatives ?? []).filter((t) => t.source !== source),
      ...captureTemplates(capture),
    ],
  };
  if (person.templates.length === 0)
    throw new TeachError("conflict", `${name} would have no templates left; delete the person instead`);
  gallery.put(person);
  return person;
}

export function renamePerson(gallery: Gallery, from: string, to: string): Person {
  const existing = gallery.people.get(from);
  if (!existing) throw new TeachError("not_found", `${from} is not enrolled`);
  if (from === to) return existing;
  if (gallery.people.has(to)) throw new TeachError("conflict", `${to} is already enrolled`);
  gallery.remove(from);
  const person = { ...existing, name: to };
  gallery.put(person);
  return person;
}
