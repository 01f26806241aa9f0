// GET / : the console page. The core's auth hook guards it like every route; the page is rendered from
// the store on the server, so it needs no token in the browser and no script to fetch data.
import type { FastifyInstance } from "fastify";
import { KIND_REGISTRY, KINDS as ALL_KINDS, type MetricPoint, type ModelVersion } from "../../schemas/index";
import { everyObject } from "../core/store";
import type { KindName, PlatformContext, StoredObject } from "../core/types";
import { renderConsole, type ConsoleSnapshot } from "./render";

const KINDS: KindName[] = ALL_KINDS.map((k) => KIND_REGISTRY[k].collection);

function listAll(ctx: PlatformContext, kind: KindName): StoredObject[] {
  return [...everyObject(ctx.store, kind)];
}

/** Training metrics through the training-job controller's own /metrics route, so storage stays its business. */
async function metricsOf(ctx: PlatformContext, job: StoredObject): Promise<MetricPoint[]> {
  const route = ctx.controllers["training-jobs"]?.extraRoutes?.find((r) => r.method === "GET" && r.path === "/metrics");
  if (!route) return [];
  try {
    const result = (await route.handler(job, { id: job.id }, {}, ctx)) as { points?: MetricPoint[] };
    return result.points ?? [];
  } catch (err) {
    ctx.log("console: metrics unavailable", { id: job.id, error: (err as Error).message });
    return [];
  }
}

/** A model's versions (with their signatures) through the model controller's own /versions route. */
async function versionsOf(ctx: PlatformContext, model: StoredObject): Promise<ModelVersion[]> {
  const route = ctx.controllers.models?.extraRoutes?.find((r) => r.method === "GET" && r.path === "/versions");
  if (!route) return [];
  try {
    return ((await route.handler(model, { id: model.id }, {}, ctx)) as { items?: ModelVersion[] }).items ?? [];
  } catch (err) {
    ctx.log("console: model versions unavailable", { id: model.id, error: (err as Error).message });
    return [];
  }
}

export async function snapshot(ctx: PlatformContext, refreshSeconds?: number): Promise<ConsoleSnapshot> {
  const kinds = KINDS.map((kind) => ({ kind, items: listAll(ctx, kind) }));
  const jobs = kinds.find((k) => k.kind === "training-jobs")!.items;
  const models = kinds.find((k) => k.kind === "models")!.items;
  const metrics: Record<string, MetricPoint[]> = {};
  const versions: Record<string, ModelVersion[]> = {};
  await Promise.all([
    ...jobs.map(async (j) => void (metrics[j.id] = await metricsOf(ctx, j))),
    ...models.map(async (m) => void (versions[m.id] = await versionsOf(ctx, m))),
  ]);
  return { generatedAt: new Date().toISOString(), kinds, metrics, versions, refreshSeconds };
}

export function registerConsole(app: FastifyInstance, ctx: PlatformContext): void {
  app.get("/", async (request, reply) => {
    const refresh = Number((request.query as Record<string, string>).refresh);
    const html = renderConsole(await snapshot(ctx, Number.isFinite(refresh) && refresh > 0 ? Math.max(2, refresh) : undefined));
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  });
}
