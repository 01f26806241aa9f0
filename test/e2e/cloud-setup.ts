// The stack of a cloud-backend e2e test (Volcengine, ModelArts, Qianfan): the vendor's example program under
// the real engine, against the vendor's emulator and its S3 store (moto), credentials in stack config
// secrets. It opens with a wrong secret key, so each test's first step is "bad credentials: one clear error,
// nothing created"; the test sets the right key itself.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import type { Fault, FaultPlan } from "../emulators/faults";
import { openE2EStack } from "./harness";

/** The secret key a cloud stack starts with: refused by the emulator, and never to appear in any output. */
export const WRONG_SECRET_KEY = "not-the-secret";

export interface CloudStackOptions {
  projectDir: string;
  projectName: string;
  program: auto.PulumiFn;
  /** mlplatform:backend. */
  backend: string;
  /** The emulator's endpoint and its S3 store's. */
  endpoint: string;
  objectStoreEndpoint: string;
  accessKey: string;
  /** The backend's own settings (region, project, bucket), set as mlplatform:<key>. */
  settings?: Record<string, string>;
  /** The vendor's own credential variables: blanked, so nothing of the machine's vendor setup leaks in. */
  vendorEnv: string[];
}

export async function openCloudStack(opts: CloudStackOptions): Promise<auto.Stack> {
  const stack = await openE2EStack({
    projectDir: opts.projectDir,
    projectName: opts.projectName,
    program: opts.program,
    env: { PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase", ...Object.fromEntries(opts.vendorEnv.map((name) => [name, ""])) },
  });
  await stack.setAllConfig({
    "mlplatform:backend": { value: opts.backend },
    ...Object.fromEntries(Object.entries(opts.settings ?? {}).map(([key, value]) => [`mlplatform:${key}`, { value }])),
    "mlplatform:endpoint": { value: opts.endpoint },
    "mlplatform:objectStoreEndpoint": { value: opts.objectStoreEndpoint },
    "mlplatform:accessKey": { value: opts.accessKey, secret: true },
    "mlplatform:secretKey": { value: WRONG_SECRET_KEY, secret: true },
  });
  return stack;
}

/** Runs a step with the emulator drawing faults by `plan`, and without faults afterwards whatever happened. */
export async function underFaults<T>(emu: { faults: FaultPlan }, plan: FaultPlan, step: () => Promise<T>): Promise<T> {
  emu.faults = plan;
  try {
    return await step();
  } finally {
    emu.faults = { rate: 0, kinds: [] };
  }
}

/** How many requests the emulator answered with a fault, logged by kind (a fault step wants more than a couple). */
export function countFaults(requests: readonly { fault?: Fault }[]): number {
  const faults = requests.filter((r) => r.fault);
  const kinds: Fault[] = ["throttle", "unavailable", "lostResponse"];
  console.log(`faults during up: ${faults.length} (${kinds.map((k) => `${k} ${faults.filter((f) => f.fault === k).length}`).join(", ")})`);
  return faults.length;
}

/** Neither the stack's state file nor its config file holds the secret key, and the state no path of the project. */
export function expectNoSecretOnDisk(projectDir: string, projectName: string, secretKey: string): void {
  const stateText = readFileSync(join(projectDir, `.state/.pulumi/stacks/${projectName}/test.json`), "utf8");
  expect(stateText).not.toContain(secretKey);
  expect(stateText).not.toContain(projectDir);
  expect(readFileSync(join(projectDir, "Pulumi.test.yaml"), "utf8")).not.toContain(secretKey);
}
