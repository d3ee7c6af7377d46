export { SettingsError } from "./errors.ts";
export {
  isLoopbackHost,
  loadSettings,
  PASSWORD_ENV,
  type ParseOptions,
  parseSettings,
  type Settings,
  WEB_PASSWORD_ENV,
  type WebSettings,
} from "./load.ts";
export {
  CAMERA_NAME_PATTERN,
  type CameraSettings,
  DETECTOR_KINDS,
  type DetectorKind,
  type MqttSettings,
  settingsSchema,
} from "./schema.ts";
