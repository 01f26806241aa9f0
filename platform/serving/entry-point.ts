// How to run one of our own modules as a process or worker entry: the compiled .js next to the caller
// (dist/), or, when the platform runs from its TypeScript sources (tests), the .ts file under Node's type
// stripping plus a resolve hook for tsc-style extensionless imports.
import { existsSync } from "node:fs";
import { join } from "node:path";

export function entryPoint(dir: string, name: string): { file: string; execArgv: string[] } {
  const js = join(dir, `${name}.js`);
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: join(dir, `${name}.ts`), execArgv: ["--no-warnings", "--import", join(__dirname, "ts-source-hook.mjs")] };
}
