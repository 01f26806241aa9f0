// A real local platform for the provider tests (the platform helper's in-process one), plus an SDK
// client to change things "out of band". `root` is the first allowed root: the fixtures live there.
import { LocalPlatform } from "../../sdk";
import { startTestPlatform } from "../platform/helpers";

export interface TestPlatform {
  endpoint: string;
  token: string;
  client: LocalPlatform;
  stop(): Promise<void>;
}

export async function startPlatformForProviderTests(root: string): Promise<TestPlatform> {
  const p = await startTestPlatform({ root });
  return {
    endpoint: p.endpoint,
    token: p.token,
    client: new LocalPlatform({ endpoint: p.endpoint, token: p.token }),
    stop: () => p.close(),
  };
}
