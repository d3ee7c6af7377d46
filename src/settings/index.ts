export { SettingsError } from "./errors.ts";
export { loadSettings, PASSWORD_ENV, type ParseOptions, parseSettings, type Settings } from "./load.ts";
export {
  CAMERA_NAME_PATTERN,
  type CameraSettings,
  DETECTOR_KINDS,
  type DetectorKind,
  type MqttSettings,
  settingsSchema,
} from "./schema.ts";
