// The stack of a cloud-backend e2e test (Volcengine, ModelArts, Qianfan): the vendor's example program under
// the real engine, against the vendor's emulator and its S3 store (moto), credentials in stack config
// secrets. It opens with a wrong secret key, so each test's first step is "bad credentials: one clear error,
// nothing created"; the test sets the right key itself.
import type * as auto from "@pulumi/pulumi/automation";
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
