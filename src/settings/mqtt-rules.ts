/**
 * What counts as a broker URL and as an exact topic: one rule for the settings file and the command line
 * (`facegate fleet publish` takes a broker and a topic without a settings file).
 */

/** Broker URLs mqtt.js connects to. */
export const BROKER_URL = /^(mqtts?|wss?|tcp|ssl):\/\/\S+$/;

/** The fleet's gallery topic unless configured: where `fleet publish` sends and doors listen. */
export const DEFAULT_FLEET_TOPIC = "facegate/fleet/gallery";

/** Why a topic cannot be subscribed to exactly (wildcards, spaces, an empty level at an end), or null when it can. */
export function exactTopicProblem(topic: string): string | null {
  if (!/^[^#+\s]+$/.test(topic)) return "without spaces, '#' or '+'";
  if (topic.startsWith("/") || topic.endsWith("/")) return "that neither starts nor ends with '/'";
  return null;
}
