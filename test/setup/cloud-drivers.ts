// Vitest setup: the cloud drivers load lazily through `require` in the compiled package (sdk/index.ts), which
// cannot find the TypeScript sources the tests run; the tests' own instances of the drivers are handed over
// instead, so errors and classes are the same objects the tests compare against.
import { provideCloudDrivers } from "../../sdk";
import * as modelarts from "../../sdk/modelarts";
import * as qianfan from "../../sdk/qianfan";
import * as volcengine from "../../sdk/volcengine";

provideCloudDrivers({ modelarts, qianfan, volcengine });
