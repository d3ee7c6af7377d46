export {
  type BrokerChoice,
  type BrokerKind,
  BrokerPortError,
  probeBroker,
  startBroker,
} from "./broker.ts";
export { type Command, CommandListener, type CommandName, parseCommand } from "./commands.ts";
export {
  type ConnectionSettings,
  clientOptionsFrom,
  connectionOptions,
  type RetainedMessages,
  readRetained,
} from "./connection.ts";
export { type DiscoveryOptions, HomeAssistantDiscovery } from "./discovery.ts";
export { EmbeddedBroker, PortInUseError } from "./embedded-broker.ts";
export { Outbox } from "./outbox.ts";
export { PresenceTracker } from "./presence.ts";
export { MqttPublisher, type MqttPublisherOptions, type PublisherStats, redactUrl } from "./publisher.ts";
export {
  type CameraState,
  type DaemonError,
  type FleetApplied,
  type LastIdentified,
  type MessageKind,
  messages,
  type OutgoingMessage,
  type PayloadMap,
  type PresenceState,
  Topics,
  topicMatches,
} from "./topics.ts";
