import { listVersions, readPointer, rollback } from "../../recognition/model-store.ts";
import { parseCommandArgs, requireOption } from "../args.ts";

export const rollbackUsage = `facegate rollback --store <model store> [--list] [--json]
  Re-activates the model version that was active before the current one (atomically).
  --list prints the versions and which one is active instead. The daemon picks the change up on reload.`;

export async function runRollback(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    store: { type: "string" },
    list: { type: "boolean" },
    json: { type: "boolean" },
  });
  const store = requireOption(values.store, "--store");
  if (values.list) {
    const p = readPointer(store);
    const versions = listVersions(store);
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ active: p?.version ?? null, previous: p?.previous ?? null, versions })}\n`,
      );
    else
      for (const v of versions) console.log(`${v === p?.version ? "*" : v === p?.previous ? "<" : " "} ${v}`);
    return 0;
  }
  const r = rollback(store);
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else console.log(`rolled back ${store}: ${r.from} → ${r.to}`);
  return 0;
}
