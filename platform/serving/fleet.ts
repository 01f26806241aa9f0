// The running side of one service: its front endpoint and its replica processes, arranged in slots
// (one row per model entry, `replicas` slots per row). `apply` brings the slots to a desired state:
// empty slots are filled in parallel, slots whose configuration changed are rolled one at a time
// (start new → ready → into the routing table → old drained → old stopped), extra slots are drained and
// stopped. Every change of the slots or weights publishes one routing table to the front (which replica
// gets a new connection) and to every serving replica (where each request goes).
// It knows nothing of the store: the service controller turns its outcomes into status.
import { ReplicaProcess, type ReplicaLaunch } from "./replica-process";
import type { DrainResult } from "./replica-server";
import { ServiceFront } from "./router";
import type { RouteEntry, RoutingTable } from "./weighted-choice";

export interface DesiredGroup {
  weight: number;
  modelName: string;
  modelVersion: number;
  launch: ReplicaLaunch;
  /** Equal keys mean a running replica already matches (model version, env, flavor). */
  configKey: string;
}

export interface DesiredFleet {
  groups: DesiredGroup[];
  /** Replicas per group. */
  replicas: number;
}

export interface FleetEvents {
  onReadyChange(readyReplicas: number): void;
  onReplicaCrash(message: string): void;
}

interface Slot {
  replica: ReplicaProcess;
  configKey: string;
  modelName: string;
  modelVersion: number;
}

/** How long a retired replica's drain may take (idle connections close after the keep-alive timeout, 6 s). */
const DRAIN_TIMEOUT_MS = 15_000;

export class ServiceFleet {
  readonly front: ServiceFront;
  private slots: (Slot | undefined)[][] = [];
  private entries: RouteEntry[] = [];
  private desiredGroupCount = 0;
  private stopped = false;
  private lastReady = -1;
  /** The last drains of retired replicas (newest last, at most 20): for tests and benchmarks. */
  readonly drains: DrainResult[] = [];

  constructor(private readonly serviceName: string, private readonly events: FleetEvents) {
    this.front = new ServiceFront(serviceName);
  }

  listen(port = 0): Promise<number> {
    return this.front.listen(port);
  }

  get port(): number {
    return this.front.port;
  }

  /** Ports of the serving replicas (benchmarks compare going straight to one with the front). */
  replicaPorts(): number[] {
    return this.serving().map((s) => s.slot.replica.port);
  }

  private serving(): { i: number; slot: Slot }[] {
    return this.slots.flatMap((row, i) => (row ?? []).flatMap((slot) => (slot && !slot.replica.exited ? [{ i, slot }] : [])));
  }

  /** Sends the current routing table to the front and every serving replica (a retiring one keeps its last). */
  private publish(): void {
    const serving = this.serving();
    const table: RoutingTable = {
      service: this.serviceName,
      entries: this.entries,
      backends: serving.map(({ i, slot }) => ({ id: slot.replica.id, port: slot.replica.port, entry: String(i), modelName: slot.modelName, modelVersion: slot.modelVersion })),
    };
    // Replicas first: the IPC channel is ordered, so a replica has its table before the front hands it a connection.
    for (const { slot } of serving) slot.replica.setRoutes(table);
    this.front.setRoutes(table, serving.map(({ slot }) => slot.replica));
  }

  /** Smallest number of live replicas over the desired model entries. */
  readyReplicas(): number {
    if (this.desiredGroupCount === 0) return 0;
    let min = Infinity;
    for (let i = 0; i < this.desiredGroupCount; i++) {
      min = Math.min(min, (this.slots[i] ?? []).filter((s) => s && !s.replica.exited).length);
    }
    return min;
  }

  pids(): number[] {
    return this.slots.flat().flatMap((s) => (s?.replica.pid !== undefined ? [s.replica.pid] : []));
  }

  private notify(): void {
    const ready = this.readyReplicas();
    if (ready !== this.lastReady) {
      this.lastReady = ready;
      this.events.onReadyChange(ready);
    }
  }

  private async launch(group: DesiredGroup): Promise<ReplicaProcess> {
    const replica = await ReplicaProcess.start(group.launch);
    if (this.stopped) {
      await replica.stop();
      throw new Error("service stopped while a replica was starting");
    }
    return replica;
  }

  private place(i: number, j: number, group: DesiredGroup, replica: ReplicaProcess): void {
    (this.slots[i] ??= [])[j] = { replica, configKey: group.configKey, modelName: group.modelName, modelVersion: group.modelVersion };
    this.publish();
    replica.onUnexpectedExit((code, signal) => {
      if (this.slots[i]?.[j]?.replica !== replica) return;
      this.slots[i][j] = undefined;
      this.publish();
      this.notify();
      this.events.onReplicaCrash(`replica ${j + 1} of model "${group.modelName}" version ${group.modelVersion} exited (${signal ?? `code ${code}`})`);
    });
  }

  /** The slot is out of `slots` already: out of the table, drained (its clients reconnect elsewhere), stopped. */
  private async retire(slot: Slot): Promise<void> {
    this.publish();
    this.drains.push(await slot.replica.drain({ timeoutMs: DRAIN_TIMEOUT_MS }));
    if (this.drains.length > 20) this.drains.shift();
    await slot.replica.stop();
  }

  /** Throws (after leaving every already-running replica in service) when a replica cannot start. */
  async apply(desired: DesiredFleet): Promise<void> {
    if (this.stopped) return;
    this.desiredGroupCount = desired.groups.length;
    this.entries = desired.groups.map((g, i) => ({ key: String(i), weight: g.weight }));
    this.publish();
    this.notify();

    // 1. Empty slots (new service, scale up, new model entry): start them all at once.
    const fills: Promise<void>[] = [];
    desired.groups.forEach((group, i) => {
      for (let j = 0; j < desired.replicas; j++) {
        if (this.slots[i]?.[j]) continue;
        fills.push(this.launch(group).then((r) => {
          this.place(i, j, group, r);
          this.notify();
        }));
      }
    });
    const filled = await Promise.allSettled(fills);
    const failed = filled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;

    // 2. Changed slots: roll one at a time so capacity never drops below what it was.
    for (const [i, group] of desired.groups.entries()) {
      for (let j = 0; j < desired.replicas; j++) {
        const old = this.slots[i]?.[j];
        if (old && old.configKey === group.configKey) continue;
        const replica = await this.launch(group);
        const current = this.slots[i]?.[j];
        this.place(i, j, group, replica);
        if (current) await this.retire(current);
        this.notify();
      }
    }

    // 3. Scale down, then drop model entries that are gone.
    for (const [i, row] of this.slots.entries()) {
      if (!row) continue;
      const keep = i < desired.groups.length ? desired.replicas : 0;
      for (let j = row.length - 1; j >= keep; j--) {
        const slot = row[j];
        row.length = j;
        if (slot) await this.retire(slot);
        this.notify();
      }
    }
    this.slots.length = desired.groups.length;
  }

  /** Stops every replica and the front. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = this.slots.flat().filter((s): s is Slot => s !== undefined);
    this.slots = [];
    await Promise.all(all.map((s) => s.replica.stop()));
    await this.front.close();
  }
}
