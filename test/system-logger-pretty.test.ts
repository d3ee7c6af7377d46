import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSettings } from "../src/settings/index.ts";
import { createLogger, isPretty } from "../src/system/logger.ts";
import { formatRecord, localClock } from "../src/system/logger-pretty.ts";

const at = "2026-11-28T13:02:11.530Z";
/** ANSI escape: colour codes start with it. */
const ESC = "\u001b";
const hasColour = (text: string) => text.includes(`${ESC}[`);
const plain = { color: false, clock: () => "12:02:11" };

/** A sink that records what a logger wrote, and claims to be a terminal or not. */
function sink(isTTY: boolean) {
  const lines: string[] = [];
  return { isTTY, write: (text: string) => lines.push(text), lines };
}

describe("pretty log lines", () => {
  it("writes face events like a door log", () => {
    const face = { level: "info", time: at, camera: "front_door", track: "front_door-3" };
    assert.equal(
      formatRecord(
        { ...face, person: "Jane Doe", score: 0.7134, masked: true, msg: "face identified" },
        plain,
      ),
      "12:02:11 front_door  Jane Doe (masked) 0.71",
    );
    assert.equal(
      formatRecord({ ...face, person: null, score: 0.14, masked: false, msg: "face unknown" }, plain),
      "12:02:11 front_door  unknown 0.14",
    );
    assert.equal(
      formatRecord({ ...face, person: "Jane Doe", score: 0.71, masked: true, msg: "face left" }, plain),
      "12:02:11 front_door  Jane Doe (masked) left",
    );
    assert.equal(
      formatRecord(
        { ...face, camera: "a", person: "Ann", score: 0.9, masked: false, msg: "face identified" },
        plain,
      ),
      "12:02:11 a           Ann 0.90",
    );
  });

  it("marks warnings and errors and shows fields as key=value", () => {
    assert.equal(
      formatRecord(
        {
          level: "warn",
          time: at,
          name: "facegate",
          camera: "door",
          path: "/dev/video0",
          reason: "no such device",
          msg: "camera stalled",
        },
        plain,
      ),
      '12:02:11 WARN  camera stalled  camera=door path=/dev/video0 reason="no such device"',
    );
    assert.equal(
      formatRecord({ level: "fatal", time: at, err: "port busy", msg: "facegate could not start" }, plain),
      '12:02:11 FATAL facegate could not start  err="port busy"',
    );
    assert.equal(
      formatRecord(
        { level: "info", time: at, people: 2, version: null, ms: 12.3456, msg: "gallery loaded" },
        plain,
      ),
      "12:02:11 gallery loaded  people=2 ms=12.346",
    );
  });

  it("colours names, unknowns and errors only when asked", () => {
    const identified = {
      level: "info",
      time: at,
      camera: "door",
      person: "Ann",
      score: 0.9,
      msg: "face identified",
    };
    assert.equal(hasColour(formatRecord(identified, plain)), false);
    assert.ok(formatRecord(identified, { ...plain, color: true }).includes(`${ESC}[1;32mAnn${ESC}[0m`));
    assert.ok(
      formatRecord({ level: "error", time: at, msg: "x" }, { ...plain, color: true }).includes(
        `${ESC}[1;31mERROR`,
      ),
    );
  });

  it("reads the local wall clock from pino's ISO time", () => {
    const d = new Date(at);
    const two = (n: number) => String(n).padStart(2, "0");
    assert.equal(localClock(at), `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`);
    assert.equal(localClock("not a time"), "--:--:--");
  });
});

describe("log.format", () => {
  it("auto is pretty on a terminal and JSON elsewhere; pretty and json are what they say", () => {
    assert.equal(isPretty("auto", { isTTY: true }), true);
    assert.equal(isPretty("auto", { isTTY: false }), false);
    assert.equal(isPretty(undefined, {}), false);
    assert.equal(isPretty("pretty", { isTTY: false }), true);
    assert.equal(isPretty("json", { isTTY: true }), false);
  });

  it("a real logger on a terminal writes lines, redacted, with child context", () => {
    const terminal = sink(true);
    const logger = createLogger({ format: "auto", prettySink: terminal, env: {} });
    logger.child({ camera: "door" }).info({ person: "Ann", score: 0.93, masked: false }, "face identified");
    logger.warn({ password: "hunter2" }, "odd");
    assert.equal(terminal.lines.length, 2);
    assert.match(
      terminal.lines[0].replaceAll(ESC, "<ESC>"),
      /^\d\d:\d\d:\d\d door {8}<ESC>\[1;32mAnn<ESC>\[0m 0\.93\n$/,
    );
    assert.doesNotMatch(terminal.lines.join(""), /hunter2/);
    assert.match(terminal.lines[1], /WARN.*odd.*password=\[redacted\]/);
  });

  it("NO_COLOR and a pipe turn colours and lines off respectively", () => {
    const terminal = sink(true);
    createLogger({ format: "pretty", prettySink: terminal, env: { NO_COLOR: "1" } })
      .child({ camera: "door" })
      .info({ person: "Ann", score: 0.93 }, "face identified");
    assert.equal(hasColour(terminal.lines[0]), false);
    const pipe = sink(false);
    const lines: string[] = [];
    createLogger({
      format: "auto",
      prettySink: pipe,
      destination: { write: (s: string) => lines.push(s) },
    }).info("hello");
    assert.equal(pipe.lines.length, 0);
    assert.equal(JSON.parse(lines[0]).msg, "hello");
  });

  it("is validated in the settings", () => {
    const base = { cameras: { door: { source: "/dev/video0" } } };
    assert.equal(parseSettings(base, { env: {} }).log.format, "auto");
    assert.equal(parseSettings({ ...base, log: { format: "json" } }, { env: {} }).log.format, "json");
    assert.throws(
      () => parseSettings({ ...base, log: { format: "fancy" } }, { env: {} }),
      /log\.format: expected one of auto, pretty, json/,
    );
  });
});
