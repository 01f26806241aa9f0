// One error vocabulary per side, one table between them: every code the platform answers with (its HttpError,
// turned into a status and ApiError body by the HTTP layer) reads back in the SDK as the same code, status and
// typed error class; statuses only gateways answer (403, 502, 504) read as the codes they mean.
import { describe, expect, it } from "vitest";
import { HttpError, toApiError } from "../../platform/core/errors";
import { API_ERROR_STATUS, type ApiErrorCode } from "../../schemas";
import { ConflictError, errorFromResponse, InvalidError, NotFoundError, PlatformError, PreconditionFailedError, ThrottledError, UnauthorizedError, UnavailableError } from "../../sdk";

// What a client catches for each code: the SDK's own classes, listed here as the specification.
const EXPECTED: [ApiErrorCode, typeof PlatformError][] = [
  ["invalid", InvalidError], ["unauthorized", UnauthorizedError], ["not_found", NotFoundError], ["method_not_allowed", PlatformError],
  ["conflict", ConflictError], ["precondition_failed", PreconditionFailedError], ["too_large", PlatformError],
  ["uri_too_long", PlatformError], ["throttled", ThrottledError],
  ["unavailable", UnavailableError], ["internal", PlatformError],
];

describe("the status table between the platform and the SDK", () => {
  it("lists every code", () => expect(EXPECTED.map(([code]) => code).sort()).toEqual(Object.keys(API_ERROR_STATUS).sort()));

  it.each(EXPECTED)("%s round-trips", (code, expectedClass) => {
    const { status, body } = toApiError(new HttpError(code, `about ${code}`, "spec.field"));
    expect(status).toBe(API_ERROR_STATUS[code]);
    const err = errorFromResponse(status, body, "GET /v1/things/x");
    expect(err).toBeInstanceOf(expectedClass);
    expect(err).toMatchObject({ code, status, message: `GET /v1/things/x: about ${code}` });
  });

  it("422 is invalid with the field the platform blamed", () => {
    const { status, body } = toApiError(HttpError.unprocessable("path outside the allowed roots", "source"));
    const err = errorFromResponse(status, body, "POST /v1/datasets");
    expect(status).toBe(422);
    expect(err).toBeInstanceOf(InvalidError);
    expect(err).toMatchObject({ code: "invalid", field: "source" });
  });

  it("reads gateway statuses without a body as the codes they mean", () => {
    expect(errorFromResponse(403, "", "GET /")).toBeInstanceOf(UnauthorizedError);
    expect(errorFromResponse(502, "bad gateway", "GET /")).toMatchObject({ code: "unavailable", status: 502 });
    expect(errorFromResponse(504, undefined, "GET /")).toBeInstanceOf(UnavailableError);
    expect(errorFromResponse(418, { code: "conflict", message: "odd" }, "GET /")).toBeInstanceOf(ConflictError);
  });
});
