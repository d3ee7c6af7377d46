import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "./http-error.ts";

/** The user name HTTP Basic expects (there is one user: whoever knows the password). */
export const WEB_USER = "facegate";
export const SESSION_COOKIE = "facegate_session";

export interface AuthOptions {
  /** No password: everyone who can reach the port may use the API (only allowed on a loopback host). */
  password: string | undefined;
  /** The cookie's Path (the base path, or "/"). */
  cookiePath: string;
  sessionDays?: number;
  /** Failed logins allowed per client address within `windowMs` before it must wait (default 5 per 5 min). */
  maxFailures?: number;
  windowMs?: number;
}

/** Same length digests compared in constant time: neither the password's length nor content leaks by timing. */
function samePassword(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** Counts failed logins per client address; too many within the window and the address must wait. */
export class FailedLoginLimiter {
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the address must still wait, or 0 when it may try. */
  waitSeconds(address: string): number {
    const entry = this.#failures.get(address);
    if (!entry) return 0;
    const left = entry.since + this.windowMs - this.now();
    if (left <= 0) {
      this.#failures.delete(address);
      return 0;
    }
    return entry.count >= this.max ? Math.ceil(left / 1000) : 0;
  }

  fail(address: string): void {
    const now = this.now();
    const entry = this.#failures.get(address);
    if (!entry || entry.since + this.windowMs <= now) this.#failures.set(address, { count: 1, since: now });
    else entry.count++;
    // Bounded memory under a flood of addresses: forget the oldest.
    if (this.#failures.size > 10_000) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  succeed(address: string): void {
    this.#failures.delete(address);
  }
}

/**
 * Who may use the API: with a password, a request carries either HTTP Basic (user `facegate`, for scripts and
 * Home Assistant) or the session cookie the login form gave (for the page: HttpOnly, SameSite=Strict, random
 * 256-bit token kept only in memory, so a restart logs everyone out). Failed attempts of both kinds count against
 * the client's address.
 */
export class WebAuth {
  readonly #sessions = new Map<string, number>();
  readonly #limiter: FailedLoginLimiter;
  readonly #sessionMs: number;

  constructor(private readonly options: AuthOptions) {
    this.#limiter = new FailedLoginLimiter(options.maxFailures ?? 5, options.windowMs ?? 5 * 60_000);
    this.#sessionMs = (options.sessionDays ?? 30) * 86_400_000;
  }

  get required(): boolean {
    return this.options.password !== undefined;
  }

  /** Whether the request is authenticated (no password: always). */
  authenticated(request: FastifyRequest): boolean {
    if (!this.required) return true;
    return this.#validSession(request) || this.#basic(request) === true;
  }

  /** preHandler for protected routes: 401 (or 429 after too many failures) unless authenticated. */
  check = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!this.required || this.#validSession(request)) return;
    const wait = this.#limiter.waitSeconds(request.ip);
    if (wait > 0) throw tooMany(wait);
    const basic = this.#basic(request);
    if (basic === true) return;
    if (basic === false) this.#limiter.fail(request.ip);
    // Browsers' fetch() must not pop up the native Basic dialog: the page shows its own login form instead.
    const fromScript = (request.headers["sec-fetch-mode"] ?? "navigate") === "navigate";
    if (fromScript) reply.header("www-authenticate", `Basic realm="facegate", charset="UTF-8"`);
    throw new HttpError(401, "authentication required: log in, or use HTTP Basic with user facegate");
  };

  /** POST /api/login: a session cookie for the right password. */
  login(request: FastifyRequest, reply: FastifyReply, password: string): void {
    const wait = this.#limiter.waitSeconds(request.ip);
    if (wait > 0) throw tooMany(wait);
    if (!this.required) return;
    if (!samePassword(password, this.options.password as string)) {
      this.#limiter.fail(request.ip);
      throw new HttpError(401, "wrong password");
    }
    this.#limiter.succeed(request.ip);
    const token = randomBytes(32).toString("base64url");
    this.#prune();
    this.#sessions.set(token, Date.now() + this.#sessionMs);
    reply.setCookie(SESSION_COOKIE, token, {
      path: this.options.cookiePath,
      httpOnly: true,
      sameSite: "strict",
      secure: request.protocol === "https",
      maxAge: Math.floor(this.#sessionMs / 1000),
    });
  }

  logout(request: FastifyRequest, reply: FastifyReply): void {
    const token = request.cookies[SESSION_COOKIE];
    if (token) this.#sessions.delete(token);
    reply.clearCookie(SESSION_COOKIE, { path: this.options.cookiePath });
  }

  #validSession(request: FastifyRequest): boolean {
    const token = request.cookies?.[SESSION_COOKIE];
    if (!token) return false;
    const until = this.#sessions.get(token);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.#sessions.delete(token);
      return false;
    }
    return true;
  }

  /** true: right credentials; false: wrong ones; null: none given. */
  #basic(request: FastifyRequest): boolean | null {
    const header = request.headers.authorization;
    if (!header) return null;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m) return false;
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const userOk = decoded.slice(0, colon) === WEB_USER;
    const passwordOk = samePassword(decoded.slice(colon + 1), this.options.password as string);
    return userOk && passwordOk;
  }

  #prune(): void {
    const now = Date.now();
    for (const [token, until] of this.#sessions) if (until < now) this.#sessions.delete(token);
  }
}

function tooMany(wait: number): HttpError {
  return new HttpError(429, `too many failed logins: try again in ${wait} s`, {
    "retry-after": String(wait),
  });
}

/** The login routes (never behind the auth check themselves). */
export function registerAuthRoutes(app: FastifyInstance, auth: WebAuth): void {
  app.get("/api/session", { schema: { response: { 200: sessionSchema } } }, async (request) => ({
    authenticated: auth.authenticated(request),
    password_required: auth.required,
  }));
  app.post<{ Body: { password: string } }>(
    "/api/login",
    {
      schema: {
        body: {
          type: "object",
          required: ["password"],
          properties: { password: { type: "string", maxLength: 1000 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      auth.login(request, reply, request.body.password);
      return reply.code(204).send();
    },
  );
  app.post("/api/logout", async (request, reply) => {
    auth.logout(request, reply);
    return reply.code(204).send();
  });
}

const sessionSchema = {
  type: "object",
  properties: { authenticated: { type: "boolean" }, password_required: { type: "boolean" } },
} as const;
