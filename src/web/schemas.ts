import { CAPTURE_ID_PATTERN } from "../recognition/capture-store.ts";
import { PERSON_NAME_MAX, PERSON_NAME_PATTERN } from "../recognition/person-name.ts";
import { CAMERA_NAME_PATTERN } from "../settings/schema.ts";

/** JSON schemas of the API's inputs: every param, query and body is checked before a handler runs. */

export const personName = {
  type: "string",
  minLength: 1,
  maxLength: PERSON_NAME_MAX,
  pattern: PERSON_NAME_PATTERN,
} as const;

export const nameParams = {
  type: "object",
  required: ["name"],
  properties: { name: personName },
  additionalProperties: false,
} as const;

export const captureIdParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: CAPTURE_ID_PATTERN.source } },
  additionalProperties: false,
} as const;

export const cameraParams = {
  type: "object",
  required: ["name"],
  properties: { name: { type: "string", maxLength: 100, pattern: CAMERA_NAME_PATTERN.source } },
  additionalProperties: false,
} as const;

/** A JSON body with exactly one required name field. */
export function nameBody(field: string) {
  return {
    type: "object",
    required: [field],
    properties: { [field]: personName },
    additionalProperties: false,
  } as const;
}

/** Captures named at once: as many as the capture list shows at most. */
export const assignManyBody = {
  type: "object",
  required: ["ids", "name"],
  properties: {
    ids: {
      type: "array",
      minItems: 1,
      maxItems: 1000,
      items: { type: "string", pattern: CAPTURE_ID_PATTERN.source },
    },
    name: personName,
  },
  additionalProperties: false,
} as const;

export const noQuery = { type: "object", properties: {}, additionalProperties: false } as const;
