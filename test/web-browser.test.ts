import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { FaceEvent } from "../src/events/types.ts";
import { Matcher } from "../src/recognition/matcher.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import {
  DaemonProcess,
  enrollPeople,
  enrollPhotos,
  type LfwRow,
  lfwRows,
  writeGallery,
  writeSettings,
} from "./daemon-support.ts";
import { type Browser, chromiumPath, launchChromium, NO_CHROMIUM } from "./helpers/browser.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir, walkInOut } from "./helpers/video.ts";
import { Collector, freePort, type Mosquitto, startMosquitto, until } from "./mqtt-support.ts";

const data = sharedDataDir();
const skip = !chromiumPath() ? NO_CHROMIUM : !data ? NO_SHARED_DATA : false;

/** Enrolled; seen on the garden camera, where it must stay named after a stranger is refused the name. */
const ENROLLED = "Abdullah_Gul";
/** Not enrolled: walks past the door, is named by clicking in the page, and is identified on the next visit. */
const NEWCOMER = "Bill_McBride";
/** Not enrolled, but the enrolled person's look-alike under this test's lowered threshold: named wrongly. */
const LOOKALIKE = "Francis_Collins";
const NEW_NAME = "Visitor One";
const PASSWORD = "correct horse battery staple";
/** A visit decided while the reject was being applied may still carry the old name. */
const RELOAD_GRACE_MS = 1500;

interface Scenario {
  newcomer: [string, string];
  lookalike: string;
  enrolled: string;
  threshold: number;
}

/**
 * Picks the photos and the threshold: the look-alike must be named as the enrolled person (that is what
 * "not this person" is for) while the newcomer stays unknown. The threshold sits halfway between the
 * look-alike's score and the newcomer's best score against the gallery, measured here with the real models.
 */
async function prepareScenario(rows: LfwRow[], gallery: Awaited<ReturnType<typeof enrollPeople>>[number]) {
  const vision = new VisionClient({});
  await vision.start();
  try {
    const matcher = new Matcher(gallery, { full: -1, upper: -1 });
    const scored = async (row: LfwRow) => {
      const { faces } = await vision.analyzeEncoded(readFileSync(row.path));
      return faces.length === 1 && !faces[0].masked ? matcher.match(faces[0]) : null;
    };
    const photos = (identity: string, role: string) =>
      rows.filter((r) => r.identity === identity && r.role === role && !r.masked);
    const newcomer: string[] = [];
    let newcomerBest = 0;
    for (const row of photos(NEWCOMER, "probe")) {
      const match = await scored(row);
      if (!match) continue;
      newcomer.push(row.path);
      newcomerBest = Math.max(newcomerBest, match.score);
      if (newcomer.length === 2) break;
    }
    const [lookalikeRow] = photos(LOOKALIKE, "unknown");
    const lookalike = await scored(lookalikeRow);
    let enrolled: string | null = null;
    for (const row of photos(ENROLLED, "probe")) {
      if ((await scored(row))?.name === ENROLLED) {
        enrolled = row.path;
        break;
      }
    }
    assert.equal(newcomer.length, 2, `two single-face photos of ${NEWCOMER}`);
    assert.ok(lookalike && enrolled, "single-face photos of the look-alike and the enrolled person");
    assert.equal(lookalike.candidate, ENROLLED);
    const threshold = (lookalike.score + newcomerBest) / 2;
    assert.ok(
      lookalike.score - threshold >= 0.05,
      `look-alike ${lookalike.score} vs newcomer ${newcomerBest}`,
    );
    return { newcomer: newcomer as [string, string], lookalike: lookalikeRow.path, enrolled, threshold };
  } finally {
    await vision.stop();
  }
}

/**
 * The page in a real browser (Debian's chromium) against the whole daemon (a child process, real mosquitto,
 * real ffmpeg cameras on looping videos): sign in, see the cameras, name an unknown visitor by clicking and see
 * the next visit identified on MQTT, then say "not this person" to a wrongly named face and see that name stop.
 */
describe("web page in chromium: teach and correct facegate by clicking", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-web-browser-"));
  let broker: Mosquitto;
  let collector: Collector;
  let daemon: DaemonProcess;
  let browser: Browser;
  let page: Page;
  let base: string;
  let uploadPhoto: string;
  const started = Date.now();
  const pageErrors: string[] = [];

  const faceEvents = () =>
    collector.messages
      .filter((m) => m.topic.endsWith("/event"))
      .map((m) => JSON.parse(m.payload) as FaceEvent);

  before(async () => {
    const rows = lfwRows(data as string);
    const [gallery] = await enrollPeople([
      {
        name: ENROLLED,
        files: enrollPhotos(rows, ENROLLED),
      },
    ]);
    writeGallery(join(dir, "gallery"), gallery);
    const scenario: Scenario = await prepareScenario(rows, gallery);
    // a photo of the newcomer the cameras never show, for the page's "Add photos"
    uploadPhoto = rows.find((r) => r.identity === NEWCOMER && r.role === "enroll" && !r.masked)?.path ?? "";
    const [door, garden] = await Promise.all([
      makeVideo({
        out: join(dir, "door.mp4"),
        segments: walkInOut(
          [
            { path: scenario.newcomer[0], label: NEWCOMER },
            { path: scenario.lookalike, label: LOOKALIKE },
            { path: scenario.newcomer[1], label: NEWCOMER },
          ],
          { visibleS: 2.5, gapS: 1 },
        ),
      }),
      makeVideo({
        out: join(dir, "garden.mp4"),
        segments: walkInOut([{ path: scenario.enrolled, label: ENROLLED }], { visibleS: 2.5, gapS: 1 }),
      }),
    ]);
    broker = await startMosquitto();
    collector = await Collector.connect(broker.url, ["facegate/+/event"]);
    const port = await freePort();
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "gallery",
      recognition: { threshold: scenario.threshold, masked_threshold: scenario.threshold },
      mqtt: { url: broker.url, topic_prefix: "facegate" },
      cameras: { door: { source: door.path, loop: true }, garden: { source: garden.path, loop: true } },
      web: { host: "127.0.0.1", port, base_path: "/fg" },
      captures: { dir: "captures" },
      stats_interval_s: 2,
    });
    daemon = new DaemonProcess(config, { FACEGATE_WEB_PASSWORD: PASSWORD });
    base = `http://127.0.0.1:${port}/fg/`;
    let up = false;
    while (!up) {
      assert.equal(daemon.child.exitCode, null, `the daemon exited:\n${daemon.output.slice(-3000)}`);
      assert.ok(
        Date.now() - started < 120_000,
        `the web server did not answer:\n${daemon.output.slice(-3000)}`,
      );
      up = await fetch(`${base}api/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (!up) await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    const code = await daemon?.kill("SIGTERM");
    await collector?.end();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    console.log(`web-browser scenario: ${((Date.now() - started) / 1000).toFixed(1)} s, daemon exit ${code}`);
  });

  it("asks for the password, then shows both cameras live", async () => {
    await page.goto(base);
    await page.getByLabel("Password").fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Wrong password.").waitFor();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Cameras" }).waitFor();
    for (const camera of ["door", "garden"]) {
      await page.waitForFunction(
        (name) => {
          const img = document.querySelector<HTMLImageElement>(`img[data-camera="${name}"]`);
          return img !== null && img.naturalWidth > 0;
        },
        camera,
        { timeout: 30_000 },
      );
    }
  });

  it("shows the newcomer in 'Who is this?'; naming them by clicking gets their next visit identified", async () => {
    const who = page.locator("#who");
    await who.locator("article.group").first().waitFor({ timeout: 60_000 });
    // the newcomer's captures are the unknown ones least like anybody enrolled
    const unknown = (await (await page.request.get(`${base}api/captures?unknown=1`)).json()) as {
      id: string;
      score: number;
      camera: string;
    }[];
    const newcomer = unknown.filter((c) => c.camera === "door").sort((a, b) => a.score - b.score)[0];
    assert.ok(newcomer, "an unknown capture at the door");
    const card = who
      .locator("article.group")
      .filter({ has: page.locator(`img[src="api/captures/${newcomer.id}/image"]`) });
    // a text field with a list of the enrolled people (a datalist): a combobox
    await card.getByRole("combobox").fill(NEW_NAME);
    const assignedAt = Date.now();
    await card.getByRole("button", { name: /^Assign/ }).click();
    await page.getByText(new RegExp(`Assigned .* to ${NEW_NAME}`)).waitFor();
    await until(
      `${NEW_NAME} identified at the door`,
      () =>
        faceEvents().some(
          (e) => e.type === "identified" && e.name === NEW_NAME && Date.parse(e.first_seen) > assignedAt,
        ),
      40_000,
    );
    await page.locator("#people").getByRole("heading", { name: NEW_NAME }).waitFor();
  });

  it("'Not Abdullah_Gul' on the look-alike stops that name at the door; the real one is still named", async () => {
    await until(
      "the look-alike named wrongly",
      () => faceEvents().some((e) => e.camera === "door" && e.name === ENROLLED),
      40_000,
    );
    const wrong = page
      .locator("#timeline article.capture")
      .filter({ hasText: "door" })
      .filter({ has: page.getByRole("button", { name: `Not ${ENROLLED}` }) })
      .first();
    await wrong.waitFor({ timeout: 20_000 });
    const rejectedAt = Date.now();
    await wrong.getByRole("button", { name: `Not ${ENROLLED}` }).click();
    await page.getByText(`${ENROLLED} will not be given to this face again.`).waitFor();

    // the door shows newcomer, look-alike, newcomer in a loop: any four visits in a row include the look-alike
    const after = (e: FaceEvent) => Date.parse(e.first_seen) > rejectedAt + RELOAD_GRACE_MS;
    const doorVisits = () => faceEvents().filter((e) => e.camera === "door" && e.type !== "left" && after(e));
    await until(
      "four door visits after the reject, and the real one's in the garden",
      () =>
        doorVisits().length >= 4 &&
        faceEvents().some((e) => e.camera === "garden" && e.name === ENROLLED && after(e)),
      60_000,
    );
    assert.deepEqual(
      doorVisits().filter((e) => e.name === ENROLLED),
      [],
      "nobody at the door is named as the enrolled person after the reject",
    );
    assert.ok(
      doorVisits().some((e) => e.type === "unknown"),
      "the look-alike is a stranger again",
    );
    assert.deepEqual(pageErrors, [], "no script error in the page");
  });

  it("adds a photo to a person, renames and removes them, all by clicking", async () => {
    const people = page.locator("#people");
    const card = () =>
      people.locator("article.person").filter({ has: page.getByRole("heading", { name: NEW_NAME }) });
    const before = Number((/(\d+) templates?/.exec((await card().textContent()) ?? "") ?? [])[1]);
    assert.ok(before >= 1, "the person's template count is shown");
    await card().getByLabel(`Add photos of ${NEW_NAME}`).setInputFiles(uploadPhoto);
    await page.getByText(`Added 1 photo to ${NEW_NAME}.`).waitFor();
    await card()
      .getByText(`${before + 1} templates`)
      .waitFor();

    await card().getByRole("button", { name: "Rename" }).click();
    await page.getByLabel(`New name for ${NEW_NAME}`).fill("Bill");
    await page.getByLabel(`New name for ${NEW_NAME}`).press("Enter");
    const bill = people
      .locator("article.person")
      .filter({ has: page.getByRole("heading", { name: "Bill" }) });
    await bill.waitFor();
    await bill.getByRole("button", { name: "Remove" }).click();
    await bill.getByRole("button", { name: "Remove Bill" }).click();
    await bill.waitFor({ state: "detached" });
    const names = ((await (await page.request.get(`${base}api/people`)).json()) as { name: string }[]).map(
      (p) => p.name,
    );
    assert.deepEqual(names, [ENROLLED]);
    assert.deepEqual(pageErrors, [], "no script error in the page");
  });
});
