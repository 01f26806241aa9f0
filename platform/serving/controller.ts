// The Service kind: validates specs, keeps one fleet (router + replica processes) per service, and
// writes what the fleet does into the stored object (status, readyReplicas, statusMessage).
// Changes are applied by a per-service reconcile loop: one pass at a time, and a patch arriving during
// a pass makes another pass run right after, so rolls never interleave.
import type { z } from "zod";
import { Service, ServicePatch, ServiceSpec } from "../../schemas/index";
import { newId } from "../core/ids";
import { type KindController, type PlatformContext, type Problem, type StoredObject } from "../core/types";
import { collectProblem, HttpError, refuseProblems } from "../core/errors";
import { nameProblem } from "../core/rules";
import { everyObject } from "../core/store";
import { perPlatform } from "../core/runtime-state";
import { ServiceFleet, type DesiredFleet } from "./fleet";
import { requireFlavor, requireReplicasWithin } from "./flavor-limits";
import { liveReplicaPids } from "./replica-process";
import { resolveModelVersion } from "./served-models";

type ServiceObject = z.infer<typeof Service> & StoredObject;
type ServedModel = ServiceObject["models"][number];

/** Crashes tolerated per service within CRASH_WINDOW_MS before it is marked Failed instead of restarted. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 1000;

interface ServiceState {
  fleet: ServiceFleet;
  running: boolean;
  again: boolean;
  idle: Promise<void>;
  crashes: number[];
  restartTimer?: NodeJS.Timeout;
}

/** Each platform's running services (fleet and reconcile loop), by service id. */
const statesOf = perPlatform(() => new Map<string, ServiceState>());

/** The part of a service that decides what its replicas run; a change of it means a roll or a scale. */
function specKey(s: { models: ServedModel[]; replicas: number; flavor: string; env: Record<string, string> }): string {
  return JSON.stringify([s.models.map((m) => [m.modelId, m.version, m.weight]), s.replicas, s.flavor, Object.entries(s.env).sort()]);
}

function checkWeights(models: { weight: number }[]): void {
  const total = models.reduce((a, m) => a + m.weight, 0);
  if (total !== 100) throw HttpError.unprocessable(`model weights must add up to 100, got ${total}`, "models");
}

function resolveModels(ctx: PlatformContext, models: { modelId: string; version: number; weight: number }[]): ServedModel[] {
  return models.map((m, i) => {
    const r = resolveModelVersion(ctx, m.modelId, m.version, { modelId: `models.${i}.modelId`, version: `models.${i}.version` });
    return { modelId: m.modelId, modelName: r.modelName, version: m.version, weight: m.weight };
  });
}

/** Every problem with a models list: entries listed twice, and versions that do not exist or cannot serve. */
async function modelProblems(ctx: PlatformContext, models: { modelId: string; version: number; weight: number }[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const [i, m] of models.entries()) {
    const key = `${m.modelId}@${m.version}`;
    if (seen.has(key)) problems.push({ status: 422, field: `models.${i}`, message: `model "${m.modelId}" version ${m.version} is listed twice` });
    seen.add(key);
    await collectProblem(problems, () => resolveModelVersion(ctx, m.modelId, m.version, { modelId: `models.${i}.modelId`, version: `models.${i}.version` }));
  }
  return problems;
}

/** The flavor exists and allows the replicas; `field` is the property the user changed. */
async function flavorProblems(flavorName: string, replicas: number, field: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  await collectProblem(problems, () => requireReplicasWithin(requireFlavor(flavorName, "flavor"), replicas, field));
  return problems;
}

/** Writes to the stored service, ignoring a service deleted meanwhile. */
function write(ctx: PlatformContext, id: string, change: (cur: ServiceObject) => Partial<ServiceObject> | undefined): void {
  if (!ctx.store.get("services", id)) return;
  try {
    ctx.store.update<ServiceObject>("services", id, (cur) => {
      const delta = change(cur);
      if (!delta) return cur;
      const next = { ...cur, ...delta };
      if (delta.statusMessage === undefined && "statusMessage" in delta) delete next.statusMessage;
      return next;
    });
  } catch (err) {
    if (ctx.store.get("services", id)) throw err;
  }
}

async function desiredFleet(svc: ServiceObject, ctx: PlatformContext): Promise<DesiredFleet> {
  const flavor = requireFlavor(svc.flavor, "flavor");
  const groups = await Promise.all(
    svc.models.map(async (m, i) => {
      const { version, modelName } = resolveModelVersion(ctx, m.modelId, m.version, { modelId: `models.${i}.modelId`, version: `models.${i}.version` });
      const artifactPath = await ctx.artifacts.path(version.artifactDigest);
      return {
        weight: m.weight,
        modelName,
        modelVersion: m.version,
        configKey: JSON.stringify([m.modelId, m.version, version.artifactDigest, svc.flavor, Object.entries(svc.env).sort()]),
        launch: { config: { artifactPath, format: version.format, modelName, modelVersion: m.version, maxConcurrency: flavor.maxConcurrency }, env: svc.env },
      };
    }),
  );
  return { groups, replicas: svc.replicas };
}

async function reconcileOnce(id: string, ctx: PlatformContext, state: ServiceState): Promise<void> {
  const svc = ctx.store.get<ServiceObject>("services", id);
  if (!svc) return;
  try {
    await state.fleet.apply(await desiredFleet(svc, ctx));
    // A newer spec is waiting (its pass decides the status), or the service was stopped meanwhile.
    if (state.again || statesOf(ctx).get(id) !== state) return;
    write(ctx, id, (cur) => ({ status: "Running", statusMessage: undefined, readyReplicas: state.fleet.readyReplicas() }));
  } catch (err) {
    // Stopped meanwhile (delete or platform shutdown): not a failure of the service, keep its status
    // so recover() restarts it.
    if (statesOf(ctx).get(id) !== state) return;
    const message = (err as Error).message;
    ctx.log("service failed", { id, error: message });
    const serving = state.fleet.readyReplicas();
    write(ctx, id, () => ({
      status: "Failed",
      statusMessage: serving > 0 ? `${message} (${serving} replica(s) per model still serving)` : message,
      readyReplicas: serving,
    }));
  }
}

function requestReconcile(id: string, ctx: PlatformContext): void {
  const state = statesOf(ctx).get(id);
  if (!state) return;
  if (state.running) {
    state.again = true;
    return;
  }
  state.running = true;
  state.idle = (async () => {
    do {
      state.again = false;
      await reconcileOnce(id, ctx, state);
    } while (state.again && statesOf(ctx).get(id) === state);
    state.running = false;
  })();
}

function startFleet(id: string, name: string, ctx: PlatformContext): ServiceState {
  const state: ServiceState = {
    running: false,
    again: false,
    idle: Promise.resolve(),
    crashes: [],
    fleet: new ServiceFleet(name, {
      onReadyChange: (ready) => write(ctx, id, (cur) => (cur.readyReplicas === ready ? undefined : { readyReplicas: ready })),
      onReplicaCrash: (message) => {
        ctx.log("replica crashed", { id, message });
        const now = Date.now();
        state.crashes = [...state.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
        if (state.crashes.length > MAX_CRASHES) {
          write(ctx, id, () => ({ status: "Failed", statusMessage: `replicas keep crashing (${state.crashes.length} times in a minute); last: ${message}` }));
          return;
        }
        write(ctx, id, () => ({ statusMessage: `${message}; restarting it` }));
        clearTimeout(state.restartTimer);
        state.restartTimer = setTimeout(() => requestReconcile(id, ctx), RESTART_DELAY_MS);
        state.restartTimer.unref();
      },
    }),
  };
  statesOf(ctx).set(id, state);
  return state;
}

async function stopFleet(ctx: PlatformContext, id: string): Promise<void> {
  const state = statesOf(ctx).get(id);
  if (!state) return;
  statesOf(ctx).delete(id);
  clearTimeout(state.restartTimer);
  await state.fleet.stop();
  await state.idle;
}

export const serviceController: KindController = {
  kind: "services",

  async validate(input, ctx, opts) {
    const spec = ServiceSpec.parse(input);
    const problems = [...(await flavorProblems(spec.flavor, spec.replicas, "replicas")), ...(await modelProblems(ctx, spec.models))];
    const taken = nameProblem(ctx, "services", "service", spec, opts);
    if (taken) problems.push(taken);
    return problems;
  },

  async validatePatch(current, input, ctx) {
    const svc = current as ServiceObject;
    const p = ServicePatch.parse(input);
    const problems: Problem[] = [];
    if (p.models) {
      await collectProblem(problems, () => checkWeights(p.models!));
      problems.push(...(await modelProblems(ctx, p.models)));
    }
    problems.push(...(await flavorProblems(p.flavor ?? svc.flavor, p.replicas ?? svc.replicas, p.replicas !== undefined ? "replicas" : "flavor")));
    return problems;
  },

  async create(input, ctx) {
    const spec = ServiceSpec.parse(input);
    refuseProblems(await serviceController.validate(spec, ctx), "service spec");
    const models = resolveModels(ctx, spec.models);
    const id = newId("services");
    const state = startFleet(id, spec.name, ctx);
    try {
      const port = await state.fleet.listen();
      const obj = ctx.store.insert<ServiceObject>("services", {
        id,
        name: spec.name,
        status: "Deploying",
        statusMessage: `starting ${spec.replicas * models.length} replica(s)`,
        tags: spec.tags ?? {},
        models,
        replicas: spec.replicas,
        readyReplicas: 0,
        flavor: spec.flavor,
        env: spec.env ?? {},
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        endpoint: `http://127.0.0.1:${port}`,
      });
      requestReconcile(id, ctx);
      return obj;
    } catch (err) {
      await stopFleet(ctx, id);
      throw err;
    }
  },

  async patch(current, input, ctx) {
    const svc = current as ServiceObject;
    const p = ServicePatch.parse(input);
    refuseProblems(await serviceController.validatePatch(svc, p, ctx), "service patch");
    const next = {
      models: p.models ? resolveModels(ctx, p.models) : svc.models,
      replicas: p.replicas ?? svc.replicas,
      flavor: p.flavor ?? svc.flavor,
      env: p.env ?? svc.env,
    };
    // A patch of a Failed service re-rolls it even when its spec is unchanged: that is how a client asks
    // for its replicas to be restarted (after a crash loop, or once what broke them is fixed).
    const changed = specKey(next) !== specKey(svc) || svc.status === "Failed";
    const updated = ctx.store.update<ServiceObject>("services", svc.id, (cur) => ({
      ...cur,
      ...next,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.tags !== undefined ? { tags: p.tags } : {}),
      ...(changed ? { status: "Updating", statusMessage: svc.status === "Failed" ? `restarting replicas after: ${svc.statusMessage ?? "a failure"}` : "rolling replicas to the new spec" } : {}),
    }));
    if (changed) {
      const existing = statesOf(ctx).get(svc.id);
      if (!existing) {
        const state = startFleet(svc.id, svc.name, ctx);
        await listenOnEndpoint(state.fleet, updated, ctx);
      } else if (svc.status === "Failed") existing.crashes = []; // a fresh start, not the same crash loop
      requestReconcile(svc.id, ctx);
    }
    return updated;
  },

  async remove(current, ctx) {
    await stopFleet(ctx, current.id);
    ctx.store.delete("services", current.id);
  },

  async recover(ctx) {
    for (const svc of everyObject<ServiceObject>(ctx.store, "services")) {
      // A Failed service is restarted too: a platform restart is a fresh start for its replicas.
      if (svc.status === "Running" || svc.status === "Updating" || svc.status === "Deploying" || svc.status === "Failed") {
        const state = startFleet(svc.id, svc.name, ctx);
        await listenOnEndpoint(state.fleet, svc, ctx);
        write(ctx, svc.id, () => ({ status: "Deploying", statusMessage: "restarting replicas after a platform restart", readyReplicas: 0 }));
        requestReconcile(svc.id, ctx);
      } else if (svc.readyReplicas !== 0) {
        write(ctx, svc.id, () => ({ readyReplicas: 0 }));
      }
    }
  },

  async shutdown(ctx) {
    await Promise.all([...statesOf(ctx).keys()].map((id) => stopFleet(ctx, id)));
  },
};

/** Listens on the port of the stored endpoint so clients keep working; a new port (recorded) if it is taken. */
async function listenOnEndpoint(fleet: ServiceFleet, svc: ServiceObject, ctx: PlatformContext): Promise<void> {
  const previous = Number(new URL(svc.endpoint).port);
  try {
    await fleet.listen(previous);
  } catch {
    const port = await fleet.listen(0);
    ctx.log("service endpoint moved", { id: svc.id, from: previous, to: port });
    write(ctx, svc.id, () => ({ endpoint: `http://127.0.0.1:${port}` }));
  }
}

/** For tests and diagnostics: every replica pid the serving side still runs. */
export { liveReplicaPids };
