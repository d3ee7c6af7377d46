/**
 * A real browser for the web page's tests and screenshots: Debian's `chromium` (installed by `.ci/run`) driven
 * through playwright-core, which never downloads a browser. Each launch gets a fresh profile folder, removed on
 * close, and the flags that keep chromium from phoning home (no component updates, no sync, no QUIC probes).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's chromium; `FACEGATE_CHROMIUM` names another build of it. */
export function chromiumPath(): string | null {
  const path = process.env.FACEGATE_CHROMIUM ?? "/usr/bin/chromium";
  return existsSync(path) ? path : null;
}

export const NO_CHROMIUM =
  "chromium is not installed (Debian package `chromium`, installed by .ci/run; or set FACEGATE_CHROMIUM): skipped";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  colorScheme?: "light" | "dark";
  /** A phone: touch, mobile viewport meta honoured, this pixel ratio. */
  phone?: { deviceScaleFactor: number };
  /** Lets a script add styles the page's Content-Security-Policy forbids (screenshots that blur faces). */
  bypassCSP?: boolean;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts chromium with a fresh `--user-data-dir` (playwright's persistent context takes it as its folder). */
export async function launchChromium(options: BrowserOptions = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(NO_CHROMIUM);
  const profile = mkdtempSync(join(tmpdir(), "facegate-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    colorScheme: options.colorScheme ?? "light",
    reducedMotion: "reduce",
    bypassCSP: options.bypassCSP ?? false,
    ...(options.phone
      ? { isMobile: true, hasTouch: true, deviceScaleFactor: options.phone.deviceScaleFactor }
      : {}),
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
