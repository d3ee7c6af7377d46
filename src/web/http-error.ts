import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { CAPTURE_ID_PATTERN } from "../recognition/capture-store.ts";
import { GalleryError } from "../recognition/errors.ts";
import { PERSON_NAME_PATTERN, PERSON_NAME_RULE } from "../recognition/person-name.ts";
import { CAMERA_NAME_PATTERN } from "../settings/schema.ts";
import { LockTimeoutError } from "../system/file-lock.ts";
import type { Logger } from "../system/logger.ts";

/** An error whose status and message are meant for the client: `{"error": message}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Fastify's own client errors, by code, with a message a person can act on. */
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, "the body is too large"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "unsupported content type"],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "the body's length does not match its Content-Length"],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, "the body is empty but says it is JSON"],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, "the body is not valid JSON"],
};

/** What a failed `pattern` means, instead of the regular expression. */
const PATTERN_MEANING: Record<string, string> = {
  [PERSON_NAME_PATTERN]: `not a usable name (${PERSON_NAME_RULE})`,
  [CAPTURE_ID_PATTERN.source]: "not a capture id",
  [CAMERA_NAME_PATTERN.source]: "not a camera name",
};

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `params.name: ...` — where the problem is, in the words of the API. */
export function describeValidation(issues: ValidationIssue[], context: string): string {
  const first = issues[0];
  if (!first) return `${context}: invalid`;
  const field =
    first.keyword === "required"
      ? String(first.params?.missingProperty ?? "")
      : first.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const where = field ? `${context}.${field}` : context;
  const custom = first.keyword === "pattern" ? PATTERN_MEANING[String(first.params?.pattern)] : undefined;
  return `${where}: ${custom ?? first.message ?? "invalid"}`;
}

/**
 * The one place errors become responses: client errors say what was wrong as `{"error": "..."}`; anything else is
 * logged and answered with a plain 500, never a stack trace or an internal message.
 */
export function errorHandler(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      return reply.code(error.status).send({ error: error.message });
    }
    // The gallery on disk is damaged or locked by a command that hangs: the request was fine, the state is not.
    if ((error as Error) instanceof GalleryError || (error as Error) instanceof LockTimeoutError)
      return reply.code(409).send({ error: error.message });
    if (error.validation) {
      const context =
        error.validationContext === "querystring" ? "query" : (error.validationContext ?? "request");
      return reply.code(400).send({ error: describeValidation(error.validation, context) });
    }
    const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
    if (known) return reply.code(known[0]).send({ error: known[1] });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Other client errors found by Fastify (bad URL encoding, malformed headers): their messages are safe.
      return reply.code(status).send({ error: error.message });
    }
    logger.error({ err: error.message, url: request.url, method: request.method }, "web request failed");
    return reply.code(500).send({ error: "internal error (see the facegate log)" });
  };
}
