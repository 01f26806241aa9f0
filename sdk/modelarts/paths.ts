// OBS paths as ModelArts answers them: `obs://b/p/` in some fields, `/b/p/` in others (seed samples). One
// spelling (obs://) for everything the driver compares.

/** `obs://b/p/` and `/b/p/` name the same place: one spelling (obs://, trailing slash kept as given). */
export function normaliseObsPath(p: string | undefined): string | undefined {
  if (p === undefined || p === null) return p;
  const s = String(p);
  if (s.startsWith("obs://")) return s;
  if (s.startsWith("/")) return "obs:/" + s;
  return s;
}
