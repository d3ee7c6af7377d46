/** JSON values as parsed from Keras's `model_config` attribute. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One entry of a Keras `layers` list (Keras 2 and Keras 3 share this outer shape). */
export interface KerasLayerEntry {
  class_name: string;
  config: JsonObject;
  name?: string;
  inbound_nodes?: Json[];
}

export function isKerasLayerEntry(value: Json | undefined): value is KerasLayerEntry & JsonObject {
  return isJsonObject(value) && typeof value.class_name === "string" && isJsonObject(value.config);
}

/** The name Keras gives a layer entry: the outer `name` (functional) or `config.name` (sequential). */
export function kerasLayerName(entry: KerasLayerEntry): string {
  if (typeof entry.name === "string") return entry.name;
  const inner = entry.config.name;
  return typeof inner === "string" ? inner : "<unnamed>";
}
