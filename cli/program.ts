// The root Pulumi.yaml's program, for machines whose Pulumi has the Node.js language host: `pulumi up`
// in the repository deploys the manifest named by the stack config `mlplatform:manifest` (default: the
// quickstart). The `mlplatform` commands run the same program inline through the Automation API.
import { resolve } from "node:path";
import { manifestProgram } from "./stack";

export = manifestProgram(resolve(__dirname, "..", ".."));
