// The contract between a service's controller and the replica processes it starts: what a replica serves
// and how (artifact, format, model name and version, concurrency, port), sent as its one JSON argument,
// and the messages the fleet sends it over IPC afterwards.
import type { RoutingTable } from "./weighted-choice";

/** What a replica process is told to serve (passed as its one JSON argument). */
export interface ReplicaConfig {
  artifactPath: string;
  format: string;
  modelName: string;
  modelVersion: number;
  /** In-flight inference requests at once (the flavor's maxConcurrency); more wait their turn. */
  maxConcurrency?: number;
  /** 0 (default): any free port, reported back over IPC. */
  port?: number;
}

/** Messages to a running replica: its service's routing table, a connection to serve, drain. */
export type ReplicaMessage =
  | { type: "routes"; self: string; table: RoutingTable }
  | { type: "conn" }
  | { type: "drain"; graceMs?: number; timeoutMs?: number };
