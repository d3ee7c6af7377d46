// Child process for training-model-store.test.ts: trains "forever" into a store and reports each epoch, so that the
// test can kill it (SIGKILL or SIGTERM) in the middle of training.
import { trainAndStore } from "../src/training/train-run.ts";
import { runOptions, syntheticDataset } from "./training-fixtures.ts";

const store = process.argv[2];
let stop = false;
process.on("SIGTERM", () => {
  stop = true;
});
const { dataset, people } = syntheticDataset({ people: 3, photos: 6 });
try {
  await trainAndStore(
    dataset,
    people,
    runOptions(store, {
      head: { hidden: 16, maxEpochs: 1_000_000, patience: 1_000_000, batchSize: 8, learningRate: 1e-5 },
      shouldStop: () => stop,
      onEpoch: (e) => process.stdout.write(`epoch ${e.epoch}\n`),
    }),
  );
  process.stdout.write("finished\n");
} catch (err) {
  process.stdout.write(`failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
