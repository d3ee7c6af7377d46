/**
 * Screenshots of the web page for the README, from a real run: the daemon on a looping door video, its web
 * server, and Debian's chromium through playwright-core (test/helpers/browser.ts). Two pictures:
 * docs/screenshots/desktop-light.png (1280 wide, light) and docs/screenshots/phone-dark.png (390 wide, dark).
 *
 *   node --import tsx scripts/screenshots.ts [--out docs/screenshots] [--wait-s 40]
 *
 * Media: the project's demo (demo/door.mp4 and demo/people/, public-domain portraits) when the checkout has it;
 * otherwise photos from ../shared/data/lfw-dev, which may not be redistributed, so every face in the pictures is
 * then blurred beyond recognition (the camera view and the face crops) before the screenshot is taken.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import sharp from "sharp";
import {
  DaemonProcess,
  enrollPeople,
  lfwRows,
  ROOT,
  writeGallery,
  writeSettings,
} from "../test/daemon-support.ts";
import { launchChromium } from "../test/helpers/browser.ts";
import { makeVideo, sharedDataDir, walkInOut } from "../test/helpers/video.ts";
import { freePort } from "../test/mqtt-support.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "docs/screenshots" },
    "wait-s": { type: "string", default: "45" },
  },
});
const out = resolve(values.out as string);
const waitMs = Number(values["wait-s"]) * 1000;
const work = mkdtempSync(join(tmpdir(), "facegate-screenshots-"));

interface Media {
  video: string;
  people: { name: string; files: string[] }[];
  /** Faces may not be shown: blur them in the page before each picture. */
  blur: boolean;
}

const IMAGE = /\.(jpe?g|png)$/i;

async function demoMedia(): Promise<Media | null> {
  const dir = join(ROOT, "demo");
  const video = join(dir, "door.mp4");
  const peopleDir = join(dir, "people");
  if (!existsSync(video) || !existsSync(peopleDir)) return null;
  const names = readdirSync(peopleDir, { withFileTypes: true }).filter((d) => d.isDirectory());
  // enroll all but one: the page then shows a named visitor and one to be named
  const people = names.slice(0, Math.max(1, names.length - 1)).map((d) => ({
    name: d.name,
    files: readdirSync(join(peopleDir, d.name))
      .filter((f) => IMAGE.test(f))
      .map((f) => join(peopleDir, d.name, f)),
  }));
  return { video, people, blur: false };
}

async function lfwMedia(): Promise<Media> {
  const data = sharedDataDir();
  if (!data) throw new Error("neither demo/ nor ../shared/data is here: nothing to film");
  const rows = lfwRows(data).filter((r) => !r.masked);
  const of = (identity: string, role: string) =>
    rows.filter((r) => r.identity === identity && r.role === role).map((r) => r.path);
  const video = await makeVideo({
    out: join(work, "door.mp4"),
    segments: walkInOut(
      [
        { path: of("Abdullah_Gul", "probe")[1] },
        { path: of("Bill_McBride", "probe")[0] },
        { path: of("Condoleezza_Rice", "probe")[0] },
        { path: of("Bill_McBride", "probe")[1] },
      ],
      { visibleS: 2.5, gapS: 1 },
    ),
  });
  return {
    video: video.path,
    people: ["Abdullah_Gul", "Condoleezza_Rice"].map((name) => ({ name, files: of(name, "enroll") })),
    blur: true,
  };
}

/** Blurs every face the page shows (camera views, face crops): for photos we may not redistribute. */
async function blurFaces(page: Page): Promise<void> {
  await page.addStyleTag({
    content:
      ".camera-frame img { filter: blur(18px) saturate(0.5); } img.face { filter: blur(8px) saturate(0.5); }",
  });
}

async function settle(page: Page): Promise<void> {
  // a camera's first frame is there (an MJPEG stream never "completes"), and every face crop loaded
  await page.waitForFunction(
    () =>
      [...document.images].every((img) =>
        img.dataset.camera ? img.naturalWidth > 0 : img.complete || img.loading === "lazy",
      ),
    undefined,
    { timeout: 60_000 },
  );
  await page.waitForTimeout(500);
}

/** PNG with a palette: a screenshot of a page compresses to a fraction of its truecolour size. */
async function savePng(buffer: Buffer, path: string): Promise<number> {
  const info = await sharp(buffer).png({ palette: true, quality: 90, compressionLevel: 9 }).toFile(path);
  return info.size;
}

async function main(): Promise<void> {
  const media = (await demoMedia()) ?? (await lfwMedia());
  const galleries = await enrollPeople(media.people);
  writeGallery(join(work, "gallery"), galleries[galleries.length - 1]);
  const port = await freePort();
  const config = join(work, "facegate.yaml");
  writeSettings(config, {
    gallery: "gallery",
    mqtt: { embedded_port: await freePort() },
    cameras: { door: { source: media.video, loop: true } },
    web: { port },
    captures: { dir: "captures" },
  });
  const daemon = new DaemonProcess(config);
  const base = `http://127.0.0.1:${port}/`;
  try {
    const deadline = Date.now() + 120_000;
    while (
      !(await fetch(`${base}api/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (daemon.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the daemon did not serve the page:\n${daemon.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // let a few visits happen: named ones in the timeline, strangers in "Who is this?"
    await new Promise((r) => setTimeout(r, waitMs));
    mkdirSync(out, { recursive: true });
    const shots = [
      {
        file: "desktop-light.png",
        options: { viewport: { width: 1280, height: 860 }, colorScheme: "light" as const },
      },
      {
        file: "phone-dark.png",
        options: {
          viewport: { width: 390, height: 844 },
          colorScheme: "dark" as const,
          phone: { deviceScaleFactor: 2 },
        },
      },
    ];
    for (const shot of shots) {
      const browser = await launchChromium({ ...shot.options, bypassCSP: media.blur });
      try {
        const page = await browser.context.newPage();
        await page.goto(base);
        await page.locator("#who article.group").first().waitFor({ timeout: 60_000 });
        if (media.blur) await blurFaces(page);
        await settle(page);
        const size = await savePng(await page.screenshot(), join(out, shot.file));
        console.log(`${join(values.out as string, shot.file)}: ${(size / 1024).toFixed(0)} kB`);
      } finally {
        await browser.close();
      }
    }
    console.log(media.blur ? "faces blurred (lfw-dev photos)" : "demo media (public-domain portraits)");
  } finally {
    await daemon.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
