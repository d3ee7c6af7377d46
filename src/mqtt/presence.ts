import type { Logger } from "../system/logger.ts";
import type { MqttPublisher } from "./publisher.ts";
import { messages, type PresenceState } from "./topics.ts";

/** How often an unchanged "home" is republished, so `last_seen` stays useful without flooding. */
const REFRESH_MS = 60_000;

interface Person {
  name: string;
  state: PresenceState | null;
  lastPublishedAt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Retained `<prefix>/people/<name>` per enrolled person: `home` when seen by any camera, `not_home`
 * after `away_after_s` without a sighting. Nothing is published for a person at start-up: a restart
 * must not flip everybody to not_home (and fire "everyone left" automations); the away timer does
 * that honestly if they are really gone.
 */
export class PresenceTracker {
  private readonly people = new Map<string, Person>();
  private running = false;

  constructor(
    private readonly publisher: MqttPublisher,
    private readonly awayAfterS: number,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    for (const person of this.people.values()) this.armTimer(person);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const person of this.people.values()) {
      if (person.timer) clearTimeout(person.timer);
      person.timer = null;
    }
  }

  /** Makes the tracked set equal to the gallery's names; people no longer enrolled are cleared. */
  syncPeople(names: readonly string[]): void {
    const wanted = new Set(names);
    for (const [name, person] of this.people) {
      if (wanted.has(name)) continue;
      if (person.timer) clearTimeout(person.timer);
      this.people.delete(name);
      // An empty retained payload deletes the retained state on the broker.
      this.publisher.publish(messages.person(this.publisher.topics, name, ""));
    }
    for (const name of wanted) {
      if (this.people.has(name)) continue;
      const person: Person = { name, state: null, lastPublishedAt: 0, timer: null };
      this.people.set(name, person);
      if (this.running) this.armTimer(person);
    }
  }

  /** An identification of `name` on `camera`. Unknown names (not enrolled) are ignored. */
  seen(name: string, camera: string, at: Date = new Date(this.now())): void {
    const person = this.people.get(name);
    if (!person) return;
    const changed = person.state?.state !== "home" || person.state.camera !== camera;
    const next: PresenceState = { state: "home", name, camera, last_seen: at.toISOString() };
    person.state = next;
    if (changed || this.now() - person.lastPublishedAt >= REFRESH_MS) this.publishState(person);
    if (this.running) this.armTimer(person);
  }

  state(name: string): PresenceState | null {
    return this.people.get(name)?.state ?? null;
  }

  private armTimer(person: Person): void {
    if (person.timer) clearTimeout(person.timer);
    person.timer = setTimeout(() => this.markAway(person), this.awayAfterS * 1000);
    person.timer.unref();
  }

  private markAway(person: Person): void {
    person.timer = null;
    if (person.state?.state === "not_home") return;
    person.state = {
      state: "not_home",
      name: person.name,
      camera: person.state?.camera ?? null,
      last_seen: person.state?.last_seen ?? null,
    };
    this.logger?.info({ person: person.name }, "not seen for away_after_s; now not_home");
    this.publishState(person);
  }

  private publishState(person: Person): void {
    if (!person.state) return;
    person.lastPublishedAt = this.now();
    this.publisher.publish(messages.person(this.publisher.topics, person.name, person.state));
  }
}
