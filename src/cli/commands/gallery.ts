import { readGalleryFile, updateGalleryFile } from "../../recognition/gallery-file.ts";
import { parseCommandArgs, requireOption, UsageError } from "../args.ts";

export const galleryUsage = `facegate gallery list|info|remove <name> --gallery <path> [--json]`;

export async function runGallery(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    gallery: { type: "string" },
    json: { type: "boolean" },
  });
  const path = requireOption(values.gallery, "--gallery");
  const [action, ...rest] = positionals;
  const gallery = readGalleryFile(path);
  if (!gallery) throw new UsageError(`gallery ${path} does not exist`);
  switch (action) {
    case "list": {
      const people = gallery.names().map((name) => {
        const p = gallery.people.get(name);
        const t = p?.templates ?? [];
        return {
          name,
          photos: new Set(t.map((x) => x.source)).size,
          templates: t.length,
          enrolled_at: p?.enrolledAt,
        };
      });
      if (values.json) process.stdout.write(`${JSON.stringify(people)}\n`);
      else
        for (const p of people)
          console.log(`${p.name}\t${p.photos} photos\t${p.templates} templates\t${p.enrolled_at}`);
      return 0;
    }
    case "info": {
      const info = {
        path,
        embedder: gallery.embedderId,
        dim: gallery.dim,
        people: gallery.people.size,
        templates: [...gallery.people.values()].reduce((s, p) => s + p.templates.length, 0),
        vectors: gallery.vectors,
        managed_by: gallery.managed
          ? `${gallery.managed.by} (version ${gallery.managed.version} from ${gallery.managed.topic})`
          : "none (enrolled here)",
      };
      if (values.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else for (const [k, v] of Object.entries(info)) console.log(`${k}: ${v}`);
      return 0;
    }
    case "remove": {
      if (rest.length === 0) throw new UsageError("gallery remove needs a person's name");
      const removed = await updateGalleryFile(path, gallery, (current) =>
        rest.filter((name) => current.remove(name.normalize("NFC"))),
      );
      // Reported after the write: a refused write (a fleet-managed gallery) removed nobody.
      for (const name of rest) {
        if (removed.includes(name)) console.log(`removed ${name}`);
        else console.error(`${name} is not in the gallery`);
      }
      return removed.length < rest.length ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown gallery action "${action ?? ""}"`);
  }
}
