// check() hands the engine each failure as "path: reason" with an empty property (the engine would print a
// nested path's value as `{<nil>}`; provider/handlers/handlers-for.ts forEngine). Tests that assert which
// property a backend refused read the path back out of the reason.
import type { CheckFailure } from "../../provider/handlers/kind-definition";

const PROPERTY_PATH = /^[A-Za-z_][\w.[\]]*$/;

export function located(failures: CheckFailure[]): CheckFailure[] {
  return failures.map((f) => {
    if (f.property) return f;
    const i = f.reason.indexOf(": ");
    return i > 0 && PROPERTY_PATH.test(f.reason.slice(0, i)) ? { property: f.reason.slice(0, i), reason: f.reason.slice(i + 2) } : f;
  });
}
