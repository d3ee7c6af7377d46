import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../system/write-atomic.ts";

/**
 * The fleet's key pair: Ed25519 from node:crypto. The private key (PKCS#8 PEM, 0600) stays on the publisher —
 * a laptop, the Home Assistant box; every door holds only the public key (SPKI PEM).
 */
const PRIVATE_KEY_FILE = "fleet.key";
const PUBLIC_KEY_FILE = "fleet.pub";

export class FleetKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FleetKeyError";
  }
}

export interface GeneratedKeys {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** Writes `<dir>/fleet.key` and `<dir>/fleet.pub`; an existing key is never replaced unless `force`. */
export function generateFleetKeys(dir: string, force = false): GeneratedKeys {
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  if (existsSync(privatePath) && !force)
    throw new FleetKeyError(
      `${privatePath} already exists; every door trusts its public key. Use --force only to replace it (then copy the new fleet.pub to every door)`,
    );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  writeFileAtomic(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }), 0o600);
  writeFileAtomic(publicPath, publicKey.export({ type: "spki", format: "pem" }), 0o644);
  return { privateKey: privatePath, publicKey: publicPath, fingerprint: keyFingerprint(publicKey) };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new FleetKeyError(
      `${what} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
}

function requireEd25519(key: KeyObject, path: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519")
    throw new FleetKeyError(
      `${what} ${path}: is a ${key.asymmetricKeyType} key, not Ed25519 (facegate fleet keygen)`,
    );
  return key;
}

/** The publisher's private key; refused when others may read it (as ssh does). */
export function readPrivateKey(path: string): KeyObject {
  const pem = readPem(path, "fleet private key");
  if ((statSync(path).mode & 0o077) !== 0)
    throw new FleetKeyError(
      `fleet private key ${path}: readable by other users (mode ${(statSync(path).mode & 0o777).toString(8)}); run chmod 600 ${path}`,
    );
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new FleetKeyError(
      `fleet private key ${path}: not a PEM private key (facegate fleet keygen makes one)`,
    );
  }
  return requireEd25519(key, path, "fleet private key");
}

/** A door's public key (fleet.public_key). */
export function readPublicKey(path: string): KeyObject {
  const pem = readPem(path, "fleet public key");
  // createPublicKey would quietly derive the public half of a private key: a door must never hold one.
  if (pem.includes("PRIVATE KEY"))
    throw new FleetKeyError(`fleet public key ${path}: holds a private key; give doors fleet.pub only`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new FleetKeyError(
      `fleet public key ${path}: not a PEM public key (copy fleet.pub from the publisher)`,
    );
  }
  return requireEd25519(key, path, "fleet public key");
}

/** Short id of a public key for logs: "ed25519:" + the first 16 hex digits of sha256(SPKI DER). */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ type: "spki", format: "der" });
  return `ed25519:${createHash("sha256").update(der).digest("hex").slice(0, 16)}`;
}
