/**
 * The model workers heal themselves: a worker thread that dies (here through the test hook: `process.exit` or
 * an unhandled error inside the worker) fails the call in flight with `WorkerExitedError`, is spawned again
 * after a short backoff, and the next calls are answered by the new worker. Typed errors keep their class
 * across the worker boundary. Real models, real worker threads.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ImageError, ModelMissingError, WorkerExitedError } from "../src/vision/errors.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { HAVE_MODELS } from "./helpers/cli.ts";
import { memoryLogger } from "./mqtt-support.ts";

const hookDir = mkdtempSync(join(tmpdir(), "facegate-worker-hook-"));
after(() => rmSync(hookDir, { recursive: true, force: true }));

const blank = { width: 96, height: 96, data: new Uint8Array(96 * 96 * 3).fill(128) };

test("a vision worker that dies is restarted; later calls go to the new worker", {
  skip: !HAVE_MODELS,
}, async () => {
  // Workers read the hook's folder from the environment they are created with.
  process.env.FACEGATE_TEST_WORKER_EXIT_DIR = hookDir;
  const { logger, lines } = memoryLogger("info");
  const vision = new VisionClient({}, { logger, backoff: { initialMs: 100 } });
  try {
    await vision.start();
    assert.deepEqual((await vision.analyzeRaw(blank)).faces, []);
    for (const how of ["exit", "throw"]) {
      writeFileSync(join(hookDir, "vision-worker"), how);
      await assert.rejects(vision.analyzeRaw(blank), WorkerExitedError, `${how}: the call in flight fails`);
      // Sent while the worker is down: it waits for the new one.
      assert.deepEqual((await vision.analyzeRaw(blank)).faces, [], `${how}: answered after the restart`);
    }
    assert.equal(vision.restarts, 2);
    assert.match(lines(), /vision worker exited; restarting it/);
    assert.match(lines(), /test hook: uncaught error in the worker/);
    assert.match(lines(), /vision worker restarted/);
    // The project's typed errors keep their class and fields across the boundary.
    await assert.rejects(vision.analyzeEncoded(Buffer.from("not an image at all")), ImageError);
  } finally {
    delete process.env.FACEGATE_TEST_WORKER_EXIT_DIR;
    await vision.stop();
  }
  await assert.rejects(vision.analyzeRaw(blank), /vision worker is not running/);
});

test("a worker that cannot load its models fails start() with the worker's own typed error", async () => {
  const vision = new VisionClient({ modelsDir: join(hookDir, "no-models") });
  const err = await vision.start().then(
    () => null,
    (e: Error) => e,
  );
  await vision.stop();
  assert.ok(err instanceof ModelMissingError, `got ${err?.name}: ${err?.message}`);
  assert.match(err.message, /npx facegate models fetch/);
  assert.ok(err.path.startsWith(join(hookDir, "no-models")));
});
