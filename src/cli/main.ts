import { keepYoungGenerationSmall } from "../system/young-generation.ts";
import { UsageError } from "./args.ts";

interface Command {
  usage: string;
  summary: string;
  load: () => Promise<(argv: string[]) => Promise<number>>;
}

// Commands load lazily: `facegate gallery list` must not pay for loading the training stack.
const COMMANDS: Record<string, Command> = {
  run: {
    summary: "run the daemon (cameras → faces → MQTT)",
    usage: "",
    load: async () => {
      // Before the daemon's modules load and allocate: the young generation keeps its initial size.
      keepYoungGenerationSmall();
      return (await import("./commands/run.ts")).runRun;
    },
  },
  enroll: {
    summary: "enroll people from a folder of person folders",
    usage: "",
    load: async () => (await import("./commands/enroll.ts")).runEnroll,
  },
  identify: {
    summary: "name the faces in images",
    usage: "",
    load: async () => (await import("./commands/identify.ts")).runIdentify,
  },
  eval: {
    summary: "measure recognition on a labelled manifest (ID rate, false accepts, plots)",
    usage: "",
    load: async () => (await import("./commands/eval.ts")).runEval,
  },
  gallery: {
    summary: "list, inspect or remove enrolled people",
    usage: "",
    load: async () => (await import("./commands/gallery.ts")).runGallery,
  },
  "import-h5": {
    summary: "convert a Keras .h5 model into a TF.js layers model",
    usage: "",
    load: async () => (await import("./commands/import-h5.ts")).runImportH5,
  },
  train: {
    summary: "train a model version into a model store",
    usage: "",
    load: async () => (await import("./commands/train.ts")).runTrain,
  },
  rollback: {
    summary: "re-activate the previous model version",
    usage: "",
    load: async () => (await import("./commands/rollback.ts")).runRollback,
  },
  forget: {
    summary: "erase a person everywhere (gallery, models, photos, snapshots, MQTT)",
    usage: "",
    load: async () => (await import("./commands/forget.ts")).runForget,
  },
  fleet: {
    summary: "many doors, one gallery: keygen, publish a signed gallery over MQTT, detach a door",
    usage: "",
    load: async () => (await import("./commands/fleet.ts")).runFleet,
  },
  doctor: {
    summary: "check a setup: models, ffmpeg, cameras, broker, gallery, folders, disk",
    usage: "",
    load: async () => (await import("./commands/doctor.ts")).runDoctor,
  },
  models: {
    summary: "fetch or verify the model files",
    usage: "",
    load: async () => (await import("./commands/models.ts")).runModels,
  },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `facegate — face recognition for the doorway\n\nusage: facegate <command> [options]\n\n${lines.join("\n")}\n\nRun \`facegate <command> --help\` for a command's options.`;
}

async function usageOf(name: string): Promise<string> {
  const mod = (await import(
    `./commands/${name}${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`
  )) as Record<string, unknown>;
  const usage = Object.entries(mod).find(([k]) => k.endsWith("Usage"))?.[1];
  return typeof usage === "string" ? usage : `facegate ${name}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === "--version") {
    console.log(process.env.npm_package_version ?? "facegate");
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`facegate: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(await usageOf(name));
    return 0;
  }
  try {
    return await (await command.load())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`facegate ${name}: ${err.message}\n\nusage: ${await usageOf(name)}`);
      return 2;
    }
    const e = err as Error;
    console.error(`facegate ${name}: ${e.message}`);
    if (process.env.FACEGATE_DEBUG) console.error(e.stack);
    return 1;
  }
}
