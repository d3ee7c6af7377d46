export { type ApplyOutcome, detachFromFleet, FleetApplier, type FleetApplierOptions } from "./applier.ts";
export { FleetDoor, type FleetDoorOptions } from "./door.ts";
export {
  type Envelope,
  EnvelopeRefused,
  FLEET_FORMAT,
  MAX_ENVELOPE_BYTES,
  MAX_GALLERY_BYTES,
  openEnvelope,
  sealEnvelope,
  signedBytes,
  unpackGallery,
} from "./envelope.ts";
export { FleetKeyError, generateFleetKeys, keyFingerprint, readPrivateKey, readPublicKey } from "./keys.ts";
export {
  DEFAULT_FLEET_TOPIC,
  FleetPublishError,
  type PublishReport,
  publishGallery,
  sealGallery,
} from "./publish.ts";
export { nextVersion } from "./version.ts";
