// scripts/toolchain.sh is sourced by every project command; running its setup again from a shell that already
// has the project's tools on PATH (a nested call, or a shell that sourced it before) must leave them working.
// Runs the real script in a miniature copy of the repository, with a stand-in `pulumi` of the pinned version
// on PATH (the script's linking is under test here, not the CLI).
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect, it } from "vitest";

const REPO_ROOT = join(__dirname, "../..");
const PULUMI_VERSION = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
const root = mkdtempSync(join(tmpdir(), "mlp-toolchain-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(rel: string, text: string, mode = 0o644): string {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

it("setup run twice, the second nested in a shell that has the first's PATH, keeps bin/pulumi a link to the CLI", () => {
  copyFileSync(join(REPO_ROOT, "scripts/toolchain.sh"), file("repo/scripts/toolchain.sh", ""));
  file("repo/package.json", JSON.stringify({ name: "mini", private: true, scripts: { build: "node -e 0" }, dependencies: { "@pulumi/pulumi": PULUMI_VERSION } }, null, 2));
  // Installed already (the lock stamp matches), so setup skips `npm ci` and only builds.
  for (const rel of ["repo/package-lock.json", "repo/node_modules/.package-lock.json", "repo/node_modules/.mlp-lock-stamp"]) file(rel, "{}\n");
  file("repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs", "#!/bin/sh\n", 0o755);
  const cli = file("cli/pulumi", `#!/bin/sh\n[ "$1" = version ] && echo v${PULUMI_VERSION}\n`, 0o755);

  const toolchain = join(root, "repo/scripts/toolchain.sh");
  const script = `
    set -e
    source ${toolchain} && mlp_setup
    bash -c 'source ${toolchain} && mlp_setup && pulumi version && echo "PATH=$PATH"'
  `;
  const env = { ...process.env, PATH: `${join(root, "cli")}:${dirname(process.execPath)}:/usr/bin:/bin`, MLP_CACHE: join(root, "cache") };
  const run = spawnSync("bash", ["-c", script], { cwd: root, env, encoding: "utf8" });
  expect(run.stderr + run.stdout).toContain(`v${PULUMI_VERSION}`);
  expect(run.status).toBe(0);

  const link = join(root, "repo/node_modules/.pulumi-root/bin/pulumi");
  expect(readlinkSync(link)).not.toBe(link);
  expect(realpathSync(link)).toBe(realpathSync(cli));
  // Each directory the script puts on PATH is there once, however often it ran.
  const path = run.stdout.split("\n").find((l) => l.startsWith("PATH="))!.slice(5).split(":");
  expect(path.filter((d) => d === join(root, "repo/node_modules/.pulumi-root/bin"))).toHaveLength(1);
});
