// One HTTP exchange with a vendor's API, as every cloud driver's transport makes it around its own signing
// and answer shape: the request with a timeout; a failure to reach the endpoint as an UnavailableError
// (`refused`: the request never left, so sending it again is safe); the answer's text, and its JSON when it
// is JSON (a gateway may answer HTML or nothing); and a failure's typed error carrying the server's
// Retry-After for the backoff (sdk/retry.ts).
import { UnavailableError, type PlatformError } from "../errors";
import { retryAfterHeaderMs } from "../retry";
import { cloudError, type CloudErrorKind, type VendorDetail } from "./errors";

export interface VendorAnswer<P> {
  res: Response;
  /** The body as text ("" when empty). */
  raw: string;
  /** The body as JSON; undefined when it is empty or not JSON. */
  parsed: P | undefined;
}

export interface ExchangeContext {
  /** Vendor name as users know it, and the API action: the start of every error message. */
  vendor: string;
  action: string;
  /** The configured endpoint, named when it cannot be reached. */
  endpoint: string;
  timeoutMs: number;
}

export async function exchange<P = any>(url: URL, init: RequestInit, ctx: ExchangeContext): Promise<VendorAnswer<P>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    const err = new UnavailableError(`${ctx.vendor} ${ctx.action}: ${ctx.endpoint} not reachable (${cause})`, undefined, "transport");
    err.refused = cause === "ECONNREFUSED";
    throw err;
  }
  const raw = await res.text();
  let parsed: P | undefined;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    parsed = undefined;
  }
  return { res, raw, parsed };
}

/** The typed error of a vendor's failure answer, with the server's Retry-After as `retryAfterMs`. */
export function vendorFailure(res: Response, kind: CloudErrorKind, message: string, vendor: VendorDetail): PlatformError {
  const err = cloudError(kind, message, res.status, vendor);
  err.retryAfterMs = retryAfterHeaderMs(res.headers.get("retry-after"));
  return err;
}
