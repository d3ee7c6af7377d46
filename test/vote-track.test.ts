import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TrackVote, type VoteObservation } from "../src/recognition/vote.ts";

const obs = (name: string | null, score = 0.8, faceSize = 100, masked = false): VoteObservation => ({
  name,
  score,
  faceSize,
  masked,
});

describe("TrackVote", () => {
  test("identifies once minAgreeing observations agree and lead", () => {
    const vote = new TrackVote({ maxAttempts: 5, minAgreeing: 2 });
    assert.equal(vote.add(obs("ada", 0.7)), null);
    assert.equal(vote.wantsMoreAttempts(), true);
    const decision = vote.add(obs("ada", 0.9));
    assert.deepEqual(decision, {
      kind: "identified",
      name: "ada",
      score: 0.8,
      masked: false,
      agreeing: 2,
      attempts: 2,
    });
    assert.equal(vote.decided, decision);
    assert.equal(vote.wantsMoreAttempts(), false);
    // later observations change nothing
    assert.equal(vote.add(obs("bob", 1, 500)), decision);
    assert.equal(vote.attempts, 2);
  });

  test("weights by face size × score: two small faces do not beat one large sure face", () => {
    const vote = new TrackVote({ maxAttempts: 6, minAgreeing: 2 });
    vote.add(obs("bob", 0.9, 200)); // weight 180
    vote.add(obs("ada", 0.6, 60)); // 36
    assert.equal(vote.add(obs("ada", 0.6, 60)), null, "ada has 2 votes but 72 < 180");
    const decision = vote.add(obs("bob", 0.8, 150));
    assert.equal(decision?.kind, "identified");
    assert.equal(decision?.name, "bob");
    assert.equal(decision?.agreeing, 2);
  });

  test("a tie stays undecided and ends unknown", () => {
    const vote = new TrackVote({ maxAttempts: 4, minAgreeing: 2 });
    vote.add(obs("bob", 1, 100)); // 100
    vote.add(obs("ada", 0.5, 100)); // 50
    assert.equal(vote.add(obs("ada", 0.5, 100)), null, "ada has 2 votes but ties with bob at 100");
    const decision = vote.add(obs("cy", 0.5, 100));
    assert.equal(decision?.kind, "unknown");
    assert.equal(decision?.name, null);
    assert.equal(decision?.attempts, 4);
  });

  test("an unknown majority outweighs a name and ends unknown", () => {
    const vote = new TrackVote({ maxAttempts: 5, minAgreeing: 2 });
    vote.add(obs(null, 0.9, 120, true));
    vote.add(obs("ada", 0.5, 100));
    vote.add(obs(null, 0.9, 120, true));
    assert.equal(vote.add(obs("ada", 0.5, 100)), null, "ada has 2 votes but weighs less than nobody-known");
    const decision = vote.add(obs(null, 0.9, 120, true));
    assert.equal(decision?.kind, "unknown");
    assert.equal(decision?.name, null);
    assert.equal(decision?.masked, true);
    assert.equal(decision?.agreeing, 3);
  });

  test("attempts are capped; unused attempts end unknown", () => {
    const vote = new TrackVote({ maxAttempts: 3, minAgreeing: 2 });
    vote.add(obs("ada"));
    vote.add(obs("bob"));
    assert.equal(vote.wantsMoreAttempts(), true);
    const decision = vote.add(obs("cy"));
    assert.equal(decision?.kind, "unknown");
    assert.equal(vote.wantsMoreAttempts(), false);
  });

  test("decides unknown early once no name can reach minAgreeing", () => {
    const vote = new TrackVote({ maxAttempts: 5, minAgreeing: 3 });
    vote.add(obs(null));
    vote.add(obs(null));
    assert.equal(vote.add(obs("ada")), null, "ada could still get 3 votes");
    const decision = vote.add(obs(null));
    assert.equal(decision?.kind, "unknown", "1 vote + 1 attempt left < 3");
    assert.equal(decision?.attempts, 4);
  });

  test("masked flag follows most of the agreeing observations", () => {
    const vote = new TrackVote({ maxAttempts: 5, minAgreeing: 3 });
    vote.add(obs("ada", 0.8, 100, true));
    vote.add(obs("ada", 0.8, 100, true));
    const decision = vote.add(obs("ada", 0.8, 100, false));
    assert.equal(decision?.masked, true);
  });

  test("minAgreeing 1 decides on the first sure observation; finish() closes an undecided vote", () => {
    const quick = new TrackVote({ maxAttempts: 3, minAgreeing: 1 });
    assert.equal(quick.add(obs("ada"))?.name, "ada");
    const cut = new TrackVote({ maxAttempts: 5, minAgreeing: 2 });
    cut.add(obs("ada"));
    assert.deepEqual(cut.finish(), {
      kind: "unknown",
      name: null,
      score: 0,
      masked: false,
      agreeing: 0,
      attempts: 1,
    });
    assert.equal(cut.wantsMoreAttempts(), false);
    assert.equal(new TrackVote().finish().attempts, 0);
  });

  test("bad inputs weigh nothing instead of poisoning the vote", () => {
    const vote = new TrackVote({ maxAttempts: 5, minAgreeing: 2 });
    vote.add(obs("ada", Number.NaN, 100));
    vote.add(obs("bob", 0.9, -5));
    vote.add(obs("ada", 2, 100)); // clamped to 1
    const decision = vote.add(obs("ada", 0.5, 100));
    assert.equal(decision?.name, "ada");
    assert.ok((decision?.score ?? 0) <= 1);
  });
});
