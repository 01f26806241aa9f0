// The running side of one service: its router and its replica processes, arranged in slots
// (one row per model entry, `replicas` slots per row). `apply` brings the slots to a desired state:
// empty slots are filled in parallel, slots whose configuration changed are rolled one at a time
// (start new → ready → into the router → old drained → old stopped), extra slots are drained and stopped.
// It knows nothing of the store: the service controller turns its outcomes into status.
import { ReplicaProcess, type ReplicaLaunch } from "./replica-process";
import { ServiceRouter } from "./router";

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
}

export class ServiceFleet {
  readonly router: ServiceRouter;
  private slots: (Slot | undefined)[][] = [];
  private desiredGroupCount = 0;
  private stopped = false;
  private lastReady = -1;

  constructor(serviceName: string, private readonly events: FleetEvents) {
    this.router = new ServiceRouter(serviceName);
  }

  listen(port = 0): Promise<number> {
    return this.router.listen(port);
  }

  get port(): number {
    return this.router.port;
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
    (this.slots[i] ??= [])[j] = { replica, configKey: group.configKey };
    this.router.addBackend({ id: replica.id, port: replica.port, group: String(i), modelName: group.modelName, modelVersion: group.modelVersion });
    replica.onUnexpectedExit((code, signal) => {
      if (this.slots[i]?.[j]?.replica !== replica) return;
      this.slots[i][j] = undefined;
      void this.router.removeBackend(replica.id, 0);
      this.notify();
      this.events.onReplicaCrash(`replica ${j + 1} of model "${group.modelName}" version ${group.modelVersion} exited (${signal ?? `code ${code}`})`);
    });
  }

  private async retire(slot: Slot): Promise<void> {
    await this.router.removeBackend(slot.replica.id);
    await slot.replica.stop();
  }

  /** Throws (after leaving every already-running replica in service) when a replica cannot start. */
  async apply(desired: DesiredFleet): Promise<void> {
    if (this.stopped) return;
    this.desiredGroupCount = desired.groups.length;
    this.router.setGroups(desired.groups.map((g, i) => ({ key: String(i), weight: g.weight })));
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

  /** Stops every replica and the router. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = this.slots.flat().filter((s): s is Slot => s !== undefined);
    this.slots = [];
    await Promise.all(all.map((s) => s.replica.stop()));
    await this.router.close();
  }
}
