// Entry point named by Pulumi.yaml (`main`), at the project root so the engine runs the dynamic providers
// from here and relative paths in manifests resolve against the project, not dist/.
module.exports = require("./dist/cli/program.js");
