import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FleetApplier } from "../src/fleet/applier.ts";
import { sealGallery } from "../src/fleet/publish.ts";
import { HAVE_SHARED, NO_SHARED, SHARED_DATA } from "./helpers/cli.ts";
import { syntheticGallery } from "./helpers/fleet.ts";
import { startRig, type WebRig } from "./web-support.ts";

/**
 * The web page changes a gallery through the gallery owner like the CLI, so a fleet door's page gets the same
 * refusal with no code of its own: the web room as the daemon builds it (web-support.ts), a fleet gallery
 * applied by the real applier, then the page's own API asked to add a photo, remove and rename people.
 */
describe("a fleet door's web page refuses gallery changes", { skip: HAVE_SHARED ? false : NO_SHARED }, () => {
  let rig: WebRig;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");

  before(async () => {
    rig = await startRig();
    const gallery = syntheticGallery(2, { embedder: rig.vision.embedderId, dim: rig.vision.embedderDim });
    const applier = new FleetApplier({
      galleryPath: rig.galleryPath,
      publicKey,
      embedderId: rig.vision.embedderId,
      topic: "facegate/fleet/gallery",
    });
    const outcome = applier.apply(Buffer.from(sealGallery(gallery, 5, new Date(), privateKey).text));
    assert.equal(outcome.kind, "applied");
  });
  after(async () => {
    await rig?.stop();
  });

  test("add a photo, remove, rename: 409 with where to enroll; the gallery file is untouched", async () => {
    const app = rig.web.app;
    if (!app) throw new Error("the web room is not running");
    const before = readFileSync(rig.galleryPath);
    const photo = readFileSync(
      join(SHARED_DATA, "lfw-dev", "images", "Bill_Clinton", "Bill_Clinton_0001.jpg"),
    );
    const answers = [
      await app.inject({
        method: "POST",
        url: `/api/people/${encodeURIComponent("Bill Clinton")}/photos`,
        payload: photo,
        headers: { "content-type": "image/jpeg" },
      }),
      await app.inject({ method: "DELETE", url: `/api/people/${encodeURIComponent("Person 0000")}` }),
      await app.inject({
        method: "POST",
        url: `/api/people/${encodeURIComponent("Person 0001")}/rename`,
        payload: JSON.stringify({ to: "Someone Else" }),
        headers: { "content-type": "application/json" },
      }),
    ];
    for (const res of answers) {
      assert.equal(
        res.statusCode,
        409,
        `${res.body} ${rig
          .logs()
          .split("\n")
          .filter((l) => l.includes("web request failed"))
          .join("\n")}`,
      );
      assert.match(res.json().error, /managed by the fleet .*version 5.*facegate fleet publish/);
    }
    assert.deepEqual(readFileSync(rig.galleryPath), before);
  });
});
