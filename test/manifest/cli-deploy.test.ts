// What `mlplatform up` prints when the engine fails: the streamed output already shows everything, so
// the final message names each failed resource with its first error line only.
import { describe, expect, it } from "vitest";
import { describeFailure, engineErrorHeadlines } from "../../cli/deploy";
import { ManifestError } from "../../provider/manifest/problems";

const ENGINE_OUTPUT = [
  "Updating (f):",
  " +  pulumi-nodejs:dynamic/mlplatform:TrainingJob iris-train **creating failed** error: 1 error occurred:",
  "Diagnostics:",
  "  pulumi:pulumi:Stack (mlplatform-f):",
  "    training job iris-train (tj-1): Failed",
  "",
  "    error: update failed",
  "",
  "  pulumi-nodejs:dynamic/mlplatform:TrainingJob (iris-train):",
  "    error: 1 error occurred:",
  "    \t* Failed (exit code 1): the job exited with code 1",
  "      | Error: Cannot find module 'missing.ts'",
  "",
  "  pulumi-nodejs:dynamic/mlplatform:Service (web):",
  "    error: service web (sv-1) failed: replica 1 did not become ready",
  "",
  "Resources:",
  "    2 errored",
].join("\n");

describe("engine failures", () => {
  it("are summarized as one headline per failed resource, the stack's own 'update failed' left out", () => {
    expect(engineErrorHeadlines(ENGINE_OUTPUT)).toEqual([
      "TrainingJob iris-train: 1 error occurred: Failed (exit code 1): the job exited with code 1",
      "Service web: service web (sv-1) failed: replica 1 did not become ready",
    ]);
  });

  it("describeFailure uses the headlines for Automation API errors, whichever stream holds the output", () => {
    const err = Object.assign(new Error("Command failed with exit code 1: pulumi up …"), { commandResult: { stdout: "", stderr: ENGINE_OUTPUT } });
    expect(describeFailure(err)).toBe(
      "the operation failed (engine output above):\n" +
        "  TrainingJob iris-train: 1 error occurred: Failed (exit code 1): the job exited with code 1\n" +
        "  Service web: service web (sv-1) failed: replica 1 did not become ready",
    );
  });

  it("describeFailure prints manifest problems in full", () => {
    const err = new ManifestError("ml.yaml", [{ file: "ml.yaml", line: 3, column: 5, path: "datasets.iris.format", message: "bad" }]);
    expect(describeFailure(err)).toBe("ml.yaml: 1 problem in the manifest; nothing was deployed\nml.yaml:3:5: datasets.iris.format: bad");
  });
});
