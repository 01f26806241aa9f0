// Where a cloud backend is and who we are there, resolved at RUN time inside provider methods (never in the
// program, whose values are serialized into state). Each value comes from stack config first (secrets arrive
// decrypted through the provider's configure), then the vendor's usual environment variables. The resolved
// credentials are kept out of JSON and inspection, so no log line or state write can carry them.
import { inspect } from "node:util";

/** What a vendor's driver declares about its configuration: the env vars its own SDKs read, its defaults. */
export interface CloudVendorSpec {
  /** Name users know ("Volcengine"). */
  vendor: string;
  /** Value of mlplatform:backend that selects it. */
  backend: string;
  accessKeyEnv: readonly string[];
  secretKeyEnv: readonly string[];
  regionEnv: readonly string[];
  sessionTokenEnv?: readonly string[];
  /** Env vars naming the upload bucket (drivers whose API does not hand one out). */
  objectStoreBucketEnv?: readonly string[];
  defaultRegion?: string;
  /** The API endpoint of a region (an override replaces it: private endpoints, tests). */
  endpointFor(region: string): string;
  /** The S3-protocol endpoint of the vendor's object store in a region. */
  objectStoreEndpointFor(region: string): string;
}

/** Settings from stack config (mlplatform:region, :endpoint, :accessKey, :secretKey, :objectStoreEndpoint, :objectStoreBucket). */
export interface CloudSettings {
  region?: string;
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  objectStoreEndpoint?: string;
  objectStoreBucket?: string;
}

export interface CloudCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface CloudConfig {
  vendor: string;
  region: string;
  endpoint: string;
  objectStoreEndpoint: string;
  /** Upload bucket from mlplatform:objectStoreBucket or the vendor's env var, when the vendor API names none. */
  objectStoreBucket?: string;
  credentials: CloudCredentials;
  /** Where the credentials came from ("stack config", "VOLC_ACCESSKEY"), for error messages; never the values. */
  credentialSource: string;
}

export class CloudConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CloudConfigError";
  }
}

function firstEnv(env: NodeJS.ProcessEnv, names: readonly string[] | undefined): { name: string; value: string } | undefined {
  for (const name of names ?? []) if (env[name]) return { name, value: env[name] as string };
  return undefined;
}

export function resolveCloudConfig(spec: CloudVendorSpec, settings: CloudSettings = {}, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const regionEnv = firstEnv(env, spec.regionEnv);
  const region = settings.region || regionEnv?.value || spec.defaultRegion;
  if (!region)
    throw new CloudConfigError(`${spec.vendor}: no region: set mlplatform:region or ${spec.regionEnv.join(" / ")}`);
  let accessKeyId: string | undefined;
  let secretAccessKey: string | undefined;
  let sessionToken: string | undefined;
  let credentialSource: string;
  if (settings.accessKey || settings.secretKey) {
    if (!settings.accessKey || !settings.secretKey)
      throw new CloudConfigError(
        `${spec.vendor}: stack config sets only one of mlplatform:accessKey and mlplatform:secretKey; set both (as secrets: pulumi config set --secret mlplatform:secretKey ...)`,
      );
    accessKeyId = settings.accessKey;
    secretAccessKey = settings.secretKey;
    sessionToken = settings.sessionToken;
    credentialSource = "stack config (mlplatform:accessKey / mlplatform:secretKey)";
  } else {
    const ak = firstEnv(env, spec.accessKeyEnv);
    const sk = firstEnv(env, spec.secretKeyEnv);
    if (!ak || !sk)
      throw new CloudConfigError(
        `${spec.vendor} credentials are missing: set mlplatform:accessKey and mlplatform:secretKey as stack secrets ` +
          `(pulumi config set --secret ...), or the environment variables ${spec.accessKeyEnv[0]} and ${spec.secretKeyEnv[0]}` +
          (ak ? ` (${ak.name} is set, no secret key)` : sk ? ` (${sk.name} is set, no access key)` : ""),
      );
    accessKeyId = ak.value;
    secretAccessKey = sk.value;
    sessionToken = firstEnv(env, spec.sessionTokenEnv)?.value;
    credentialSource = `environment (${ak.name} / ${sk.name})`;
  }
  return {
    vendor: spec.vendor,
    region,
    endpoint: (settings.endpoint || spec.endpointFor(region)).replace(/\/+$/, ""),
    objectStoreEndpoint: (settings.objectStoreEndpoint || spec.objectStoreEndpointFor(region)).replace(/\/+$/, ""),
    objectStoreBucket: settings.objectStoreBucket || firstEnv(env, spec.objectStoreBucketEnv)?.value,
    credentials: hiddenCredentials(accessKeyId, secretAccessKey, sessionToken),
    credentialSource,
  };
}

/** Credentials whose JSON and util.inspect forms show only the access key id's first characters. */
export function hiddenCredentials(accessKeyId: string, secretAccessKey: string, sessionToken?: string): CloudCredentials {
  const shown = `${accessKeyId.slice(0, 4)}…`;
  const creds = {} as CloudCredentials;
  Object.defineProperties(creds, {
    accessKeyId: { value: accessKeyId, enumerable: false },
    secretAccessKey: { value: secretAccessKey, enumerable: false },
    sessionToken: { value: sessionToken, enumerable: false },
    toJSON: { value: () => ({ accessKeyId: shown }), enumerable: false },
    [inspect.custom]: { value: () => `CloudCredentials(${shown})`, enumerable: false },
  });
  return creds;
}
