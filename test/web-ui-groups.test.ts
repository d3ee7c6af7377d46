import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupCaptures } from "../src/web/ui/groups.ts";
import type { Capture } from "../src/web/ui/types.ts";

function capture(id: string, time: string, group: string | null, camera = "door"): Capture {
  const c = { id, camera, time, name: null, score: 0.2, masked: false, track_id: `${camera}-${id}` };
  return { ...c, image: `api/captures/${id}/image`, group };
}

/** The page's "Who is this?" queue: one card per stranger, as the server groups them. */
describe("web page: grouping unknown captures", () => {
  it("puts captures with the same group id in one card, newest card first, newest capture first", () => {
    const groups = groupCaptures([
      capture("a", "2026-01-01T10:00:05Z", "g1"),
      capture("b", "2026-01-01T10:00:04Z", "g2", "garden"),
      capture("c", "2026-01-01T10:00:03Z", "g1", "garden"),
      capture("d", "2026-01-01T10:00:06Z", "g2"),
    ]);
    assert.deepEqual(
      groups.map((g) => g.captures.map((c) => c.id)),
      [
        ["d", "b"],
        ["a", "c"],
      ],
    );
    assert.equal(groups[0].latest, "2026-01-01T10:00:06Z");
    assert.deepEqual(groups[1].cameras, ["door", "garden"]);
  });

  it("keeps a capture without a group id on its own", () => {
    const groups = groupCaptures([
      capture("a", "2026-01-01T10:00:02Z", null),
      capture("b", "2026-01-01T10:00:01Z", null),
      capture("c", "2026-01-01T10:00:00Z", "a"),
    ]);
    assert.equal(groups.length, 3);
    assert.deepEqual(
      groups.map((g) => g.captures[0].id),
      ["a", "b", "c"],
    );
  });
});
