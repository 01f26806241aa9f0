// Typed errors for cloud drivers: a vendor's failure mapped onto the platform error classes handlers already
// understand (not found = gone, conflict = taken, throttled/unavailable = retry), carrying what a user needs
// to ask the vendor about it: the vendor's own error code, the request id and the API action.
import type { ApiErrorCode } from "../../schemas";
import { errorOfCode, type PlatformError } from "../errors";

/** The platform's error codes a vendor failure can map to (one table with the local platform: schemas API_ERROR_STATUS). */
export type CloudErrorKind = Exclude<ApiErrorCode, "precondition_failed" | "too_large">;

export interface VendorDetail {
  /** Vendor name as users know it ("Volcengine"). */
  vendor: string;
  /** The API action or operation ("CreateModel"). */
  action: string;
  /** The vendor's error code ("SignatureDoesNotMatch"). */
  code?: string;
  /** The vendor's request id, for support tickets. */
  requestId?: string;
}

/** Which PlatformError subclass a vendor failure is, so handlers decide without knowing the vendor. */
export function cloudError(kind: CloudErrorKind, message: string, status: number | undefined, vendor: VendorDetail): PlatformError {
  const where = [vendor.code && `code ${vendor.code}`, vendor.requestId && `request id ${vendor.requestId}`].filter(Boolean).join(", ");
  const full = `${vendor.vendor} ${vendor.action}: ${message}${where ? ` (${where})` : ""}`;
  const err = errorOfCode(kind, full, status);
  err.vendor = vendor;
  return err;
}
