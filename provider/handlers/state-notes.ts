// The provider's own notes in a resource's outputs — which spec keys the user declared, what each local path
// pointed to, the logical name — kept as one JSON string under `__mlplatform` rather than as properties of
// their own. Why: the engine and the dynamic-provider process (google-protobuf in JavaScript) pay for every
// property of state on every refresh, preview and up; four bookkeeping properties folded into one took a
// refresh of 1,000 resources from 1.44× to 1.31× a no-op's time (issue 18 §2, bench/README.md). The `__`
// prefix marks it internal, as Pulumi's own `__provider` (the SDKs skip such keys; so do our reviews).
// Programs never saw these keys: they are not declared outputs (provider/resources.ts, OUTPUT_KEYS).
import { z } from "zod";
import type { Props } from "./kind-definition";

export const NOTES_KEY = "__mlplatform";

// A note that does not parse counts as absent on its own (`catch`): the others still count.
const StateNotes = z.object({
  /** The spec keys the user declared: a refresh reports the live values of these (and of drifted defaults). */
  inputKeys: z.array(z.string()).optional().catch(undefined),
  /** What each local path pointed to when written (values.ts pathTarget), so a diff sees through a new spelling. */
  pathTargets: z.record(z.string(), z.string()).optional().catch(undefined),
  /** `<project>/<stack>/<Kind>/<name>` (an input too; kept here for the inputs a refresh reports). */
  logicalName: z.string().optional().catch(undefined),
});
export type StateNotes = z.infer<typeof StateNotes>;

/** The notes as stored: one string, in a fixed order (declared keys sorted) so equal notes are equal strings. */
export function packNotes(notes: StateNotes): string {
  const { inputKeys, pathTargets, logicalName } = notes;
  return JSON.stringify({ inputKeys: inputKeys && [...inputKeys].sort(), pathTargets, logicalName });
}

/**
 * The notes of a resource's outputs. Outputs written before 2026-12-03 carry them as top-level properties
 * (`inputKeys`, `pathTargets`, `logicalName`); those are read the same way until a refresh or an update
 * rewrites the entry. Notes that do not parse count as absent (without `inputKeys` a refresh reports every spec key).
 */
export function notesOf(outputs: Props): Readonly<StateNotes> {
  const packed = outputs[NOTES_KEY];
  if (typeof packed !== "string") return parseNotes(outputs);
  let notes = parsedNotes.get(packed);
  if (!notes) {
    let raw: unknown;
    try {
      raw = JSON.parse(packed);
    } catch {
      raw = undefined;
    }
    if (parsedNotes.size >= PARSED_NOTES_MAX) parsedNotes.clear();
    parsedNotes.set(packed, (notes = deepFreeze(parseNotes(raw))));
  }
  return notes;
}

function parseNotes(raw: unknown): StateNotes {
  const parsed = StateNotes.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

/**
 * Notes already parsed, by their text: a refresh parses each resource's notes twice (its read, then the diff
 * of what the read wrote, the same text), 2,000 JSON parses and schema checks at 1,000 resources (issue 18 §2).
 * Frozen, since every caller shares them.
 */
const PARSED_NOTES_MAX = 10_000;
const parsedNotes = new Map<string, Readonly<StateNotes>>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
