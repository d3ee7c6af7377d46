/**
 * Names are free text ("Anna Maria"); MQTT topic levels, Home Assistant object ids and snapshot file names need
 * a plain form. One rule, so `facegate forget` finds exactly the files and topics the daemon made.
 */
export function slug(name: string): string {
  const plain = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return plain || "unnamed";
}
