// The malformed-manifest corpus (issue 12), as a compact table: each case is a manifest text and the problems
// it must produce. A problem is [where, property path, message pattern]; `where` is a snippet of the text
// with » marking the expected column (the problem's line and column are found in the text, not computed by
// the code under test); "^" means line 1, column 1 (the whole file).
export type Expected = [where: string, path: string, message: RegExp];
export interface CorpusCase {
  name: string;
  category: string;
  text: string;
  expect: Expected[];
}

const H = "apiVersion: mlplatform/v1\n";
const DS = "datasets:\n  iris:\n    format: csv\n    source: data/iris.csv\n";
const MD = "models:\n  clf:\n    format: logreg-json\n    source: models/model.json\n";
const TJ = "trainingJobs:\n  train:\n    command: [node, train.js]\n    datasetId: ${datasets.iris.id}\n";
const SV = (extra = "", model = "      - modelId: ${models.clf.id}\n        version: ${models.clf.version}\n") => `services:\n  web:\n    models:\n${model}${extra}`;

const cases: CorpusCase[] = [];
const add = (category: string, name: string, text: string, ...expect: Expected[]) => cases.push({ category, name, text, expect });

// ------------------------------------------------------------------------------------------ YAML syntax
add("yaml", "unclosed-double-quote", `${H}description: "never closed\n${DS}`, ['description: »"never', "", /quoted string is never closed/]);
add("yaml", "unclosed-single-quote", `${H}${DS}    description: 'open\n`, ["description: »'open", "", /quoted string is never closed/]);
add("yaml", "tab-indent", `${H}datasets:\n\tiris: {}\n`, ["»\tiris", "", /Tabs are not allowed/]);
add("yaml", "unclosed-flow-seq", `${H}${TJ.replace("[node, train.js]", "[node, train.js")}`, ["command: »[node", "", /this \[ is never closed/]);
add("yaml", "unclosed-flow-map", `${H}datasets: {iris: {format: csv}\n`, ["datasets: »{iris", "", /this \{ is never closed/]);
add("yaml", "stray-bracket", `${H}description: x]\n]\n`, ["\n»]\n", "", /YAML: Unexpected flow-seq-end/]);
add("yaml", "bad-escape", `${H}description: "a\\qb"\n`, ['"a»\\q', "", /YAML: Invalid escape/]);
add("yaml", "two-documents", `${H}---\n${H}`, ["»---", "", /YAML: .*multiple documents|YAML:/]);
add("yaml", "reserved-indicator", `${H}description: @home\n`, ["description: »@home", "", /YAML: Plain value cannot start with reserved character @/]);
add("yaml", "unresolved-alias", `${H}description: *nope\n`, ["description: »*nope", "", /alias \*nope names no anchor/]);
add("yaml", "self-alias", `${H}datasets: &d\n  iris: *d\n`, ["iris: »*d", "", /refers to the collection that contains it/]);
add(
  "yaml",
  "alias-bomb",
  `${H}a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
  ["d: &d [*c,*c,*c,*c,*c,*c,*c,»*c", "", /aliases expand this document to more than 10000 values/],
);
add("yaml", "mapping-in-seq-indent", `${H}${TJ}    hyperParameters:\n      - a: 1\n     b: 2\n`, ["»     b: 2", "", /YAML: All mapping items must start at the same column/]);
add("yaml", "key-without-colon", `${H}datasets:\n  iris\n  other: {}\n`, ["»iris\n  other", "", /YAML: Implicit keys need to be on a single line/]);
add("yaml", "colon-in-plain-key", `${H}description: a: b\n`, ["description: »a: b", "", /YAML: Nested mappings are not allowed in compact mappings/]);
add("yaml", "block-scalar-bad-indent", `${H}description: |\n  line\n line\n`, ["\n» line\n", "", /YAML: All mapping items must start at the same column/], ["\n »line\n", "", /YAML: Implicit map keys need to be followed by map values/]);

// ------------------------------------------------------------------------------- duplicate keys and names
add("duplicates", "dup-top-key", `${H}${DS}${DS}`, ["source: data/iris.csv\n»datasets", "", /duplicate key "datasets" \(first written on line 2\)/]);
add("duplicates", "dup-apiVersion", `${H}${H}`, ["mlplatform/v1\n»apiVersion", "", /duplicate key "apiVersion"/]);
add("duplicates", "dup-object-key", `${H}datasets:\n  iris:\n    format: csv\n    source: data/iris.csv\n  iris:\n    format: csv\n    source: data/iris.csv\n`, ["iris.csv\n  »iris", "", /duplicate key "iris" \(first written on line 3\)/]);
add("duplicates", "dup-property", `${H}${DS}    format: jsonl\n`, ["»format: jsonl", "", /duplicate key "format"/]);
add("duplicates", "dup-tag", `${H}${DS}    tags:\n      team: a\n      team: b\n`, ["»team: b", "", /duplicate key "team"/]);
add("duplicates", "dup-quoted-key", `${H}${DS}    "format": csv\n`, ['»"format": csv', "", /duplicate key "format"/]);
// An unnamed object is named `<key>-<stack>`; an adopted one keeps its key as its name, so these collide.
add("duplicates", "same-name-explicit", `${H}${DS}    adopt: ds-1\n  copy:\n    name: iris\n    format: csv\n    source: data/iris.csv\n`, ["name: »iris", "datasets.copy.name", /name "iris" is also the name of datasets.iris \(line 3\)/]);
add("duplicates", "same-name-two-explicit", `${H}datasets:\n  a1:\n    name: shared\n    format: csv\n    source: data/iris.csv\n  a2:\n    name: shared\n    format: csv\n    source: data/iris.csv\n`, ["name: shared\n    format: csv\n    source: data/iris.csv\n  a2:\n    name: »shared", "datasets.a2.name", /also the name of datasets.a1 \(line 4\)/]);
add("duplicates", "same-name-models", `${H}${MD}    adopt: md-1\n  clf2:\n    name: clf\n    format: logreg-json\n    source: models/model.json\n`, ["name: »clf", "models.clf2.name", /also the name of models.clf/]);
add("duplicates", "same-name-services", `${H}${MD}${SV("    adopt: sv-1\n")}  web2:\n    name: web\n    models:\n      - modelId: \${models.clf.id}\n        version: 1\n`, ["name: »web", "services.web2.name", /also the name of services.web/]);
add("duplicates", "same-name-jobs", `${H}${DS}${TJ}    adopt: tj-1\n  train2:\n    name: train\n    command: [x]\n    datasetId: \${datasets.iris.id}\n`, ["name: »train", "trainingJobs.train2.name", /also the name of trainingJobs.train/]);

// ------------------------------------------------------------------------------------------------ types
const typeCase = (name: string, text: string, where: string, path: string, message: RegExp) => add("types", name, text, [where, path, message]);
typeCase("apiVersion-number", `apiVersion: 1\n`, "apiVersion: »1", "apiVersion", /expected "mlplatform\/v1"/);
typeCase("apiVersion-wrong", `apiVersion: mlplatform/v2\n`, "apiVersion: »mlplatform/v2", "apiVersion", /expected "mlplatform\/v1"/);
typeCase("datasets-list", `${H}datasets: [a, b]\n`, "datasets: »[a", "datasets", /expected record|expected object/);
typeCase("dataset-string", `${H}datasets:\n  iris: data.csv\n`, "iris: »data.csv", "datasets.iris", /expected object/);
typeCase("format-number", `${H}datasets:\n  iris:\n    format: 3\n    source: data/iris.csv\n`, "format: »3", "datasets.iris.format", /expected one of "csv"\|"jsonl"\|"files"/);
typeCase("format-unknown", `${H}datasets:\n  iris:\n    format: parquet\n    source: data/iris.csv\n`, "format: »parquet", "datasets.iris.format", /expected one of/);
typeCase("source-number", `${H}datasets:\n  iris:\n    format: csv\n    source: 42\n`, "source: »42", "datasets.iris.source", /expected string/);
typeCase("source-empty", `${H}datasets:\n  iris:\n    format: csv\n    source: ""\n`, 'source: »""', "datasets.iris.source", /Too small/);
typeCase("command-string", `${H}${DS}trainingJobs:\n  train:\n    command: node train.js\n    datasetId: \${datasets.iris.id}\n`, "command: »node", "trainingJobs.train.command", /expected array/);
typeCase("command-empty", `${H}${DS}trainingJobs:\n  train:\n    command: []\n    datasetId: \${datasets.iris.id}\n`, "command: »[]", "trainingJobs.train.command", /Too small/);
typeCase("command-item-number", `${H}${DS}trainingJobs:\n  train:\n    command: [node, 3]\n    datasetId: \${datasets.iris.id}\n`, "command: [node, »3]", "trainingJobs.train.command.1", /expected string/);
typeCase("replicas-string", `${H}${MD}${SV("    replicas: two\n")}`, "replicas: »two", "services.web.replicas", /expected number/);
typeCase("replicas-zero", `${H}${MD}${SV("    replicas: 0\n")}`, "replicas: »0", "services.web.replicas", />=1/);
typeCase("replicas-float", `${H}${MD}${SV("    replicas: 1.5\n")}`, "replicas: »1.5", "services.web.replicas", /expected int/);
typeCase("replicas-bool", `${H}${MD}${SV("    replicas: yes\n")}`, "replicas: »yes", "services.web.replicas", /expected number/);
typeCase("hyperparameters-list", `${H}${DS}${TJ}    hyperParameters: [1, 2]\n`, "hyperParameters: »[1", "trainingJobs.train.hyperParameters", /expected record|expected object/);
typeCase("hyperparameter-object", `${H}${DS}${TJ}    hyperParameters: { lr: { a: 1 } }\n`, "lr: »{ a", "trainingJobs.train.hyperParameters.lr", /Invalid input/);
typeCase("tag-value-number", `${H}${DS}    tags: { team: 3 }\n`, "team: »3", "datasets.iris.tags.team", /expected string/);
typeCase("env-value-list", `${H}${DS}${TJ}    env: { A: [1] }\n`, "A: »[1]", "trainingJobs.train.env.A", /expected string/);
typeCase("deadline-negative", `${H}${DS}    deadlineSeconds: -5\n`, "deadlineSeconds: »-5", "datasets.iris.deadlineSeconds", /Too small/);
typeCase("duration-zero", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    durationSeconds: 0\n`, "durationSeconds: »0", "perfJobs.bench.durationSeconds", /Too small/);
typeCase("concurrency-strings", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    concurrency: [a]\n`, "concurrency: [»a]", "perfJobs.bench.concurrency.0", /expected number/);
typeCase("metrics-list", `${H}models:\n  clf:\n    format: logreg-json\n    source: models/model.json\n    metrics: [1]\n`, "metrics: »[1]", "models.clf.metrics", /expected record, received array/);
typeCase("description-too-long", `${H}${DS}    description: ${"x".repeat(1100)}\n`, "description: »xxx", "datasets.iris.description", /Too big/);
typeCase("outputs-number", `${H}${DS}outputs:\n  n: 3\n`, "n: »3", "outputs.n", /expected string/);
typeCase("model-version-string", `${H}${MD}${SV("", "      - modelId: ${models.clf.id}\n        version: one\n")}`, "version: »one", "services.web.models.0.version", /must be a version number or a reference/);
add("types", "models-empty", `${H}${SV("", "")}`.replace("    models:\n", "    models: []\n"), ["models: »[]", "services.web.models", /Too small/], ["models: »[]", "services.web.models", /weights must add up to 100/]);
typeCase("service-models-map", `${H}services:\n  web:\n    models: { a: 1 }\n`, "models: »{ a", "services.web.models", /expected array/);
typeCase("required-missing", `${H}datasets:\n  iris:\n    format: csv\n`, "»format: csv", "datasets.iris.source", /required property is missing/);
typeCase("null-object", `${H}datasets:\n  iris:\n`, "»iris:", "datasets.iris", /expected object, received null/);

// ------------------------------------------------------------------------------ unknown fields and sections
add("unknown", "unknown-section", `${H}clusters: {}\n`, ["»clusters", "clusters", /unknown property "clusters"/]);
add("unknown", "kind-and-metadata", `${H}kind: Manifest\nmetadata: {}\n`, ["»kind", "kind", /unknown property "kind"/], ["»metadata", "metadata", /unknown property "metadata"/]);
add("unknown", "dataset-typo", `${H}${DS}    formats: csv\n`, ["»formats", "datasets.iris.formats", /unknown property "formats"/]);
add("unknown", "job-typo", `${H}${DS}${TJ}    workdir: .\n`, ["»workdir", "trainingJobs.train.workdir", /unknown property "workdir"/]);
add("unknown", "model-typo", `${H}${MD}    frameWork: sklearn\n`, ["»frameWork", "models.clf.frameWork", /unknown property "frameWork"/]);
add("unknown", "perf-typo", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    flavour: [local.small]\n`, ["»flavour", "perfJobs.bench.flavour", /unknown property "flavour"/]);
add("unknown", "service-typo", `${H}${MD}${SV("    replica: 2\n")}`, ["»replica", "services.web.replica", /unknown property "replica"/]);
add("unknown", "served-model-typo", `${H}${MD}${SV("", "      - modelId: ${models.clf.id}\n        version: 1\n        traffic: 100\n")}`, ["»traffic", "services.web.models.0.traffic", /unknown property "traffic"/]);
add("unknown", "slo-typo", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    slo: { p95LatencyMs: 5 }\n`, ["»p95LatencyMs", "perfJobs.bench.slo.p95LatencyMs", /unknown property "p95LatencyMs"/]);
add("unknown", "provider-internal-key", `${H}${DS}    logicalName: x\n`, ["»logicalName", "datasets.iris.logicalName", /unknown property "logicalName"/]);
add("unknown", "sourceDigest-key", `${H}${DS}    sourceDigest: abc\n`, ["»sourceDigest", "datasets.iris.sourceDigest", /unknown property "sourceDigest"/]);
add("unknown", "output-reserved-name", `${H}${DS}outputs:\n  models: x\n`, ["»models: x", "outputs.models", /name of a generated stack output/]);

// ------------------------------------------------------------------------------------------- references
const refCase = (name: string, text: string, ...expect: Expected[]) => add("references", name, text, ...expect);
refCase("dangling-dataset", `${H}trainingJobs:\n  train:\n    command: [x]\n    datasetId: \${datasets.nope.id}\n`, ["datasetId: »${", "trainingJobs.train.datasetId", /there is no datasets.nope \(datasets defined: none\)/]);
refCase("dangling-model", `${H}${MD}${SV("", "      - modelId: ${models.other.id}\n        version: 1\n")}`, ["modelId: »${", "services.web.models.0.modelId", /there is no models.other \(models defined: clf\)/]);
refCase("dangling-job", `${H}models:\n  mdl:\n    format: logreg-json\n    source: \${trainingJobs.t.outputUri}/model.json\n`, ["source: »${", "models.mdl.source", /there is no trainingJobs.t/]);
refCase("dangling-output-ref", `${H}outputs:\n  e: \${services.web.endpoint}\n`, ["e: »${", "outputs.e", /there is no services.web/]);
refCase("unknown-section-ref", `${H}${DS}    description: \${clusters.gpu.id}\n`, ["description: »${", "datasets.iris.description", /"clusters" is not a section/]);
refCase("unknown-output", `${H}${DS}${TJ.replace("datasets.iris.id", "datasets.iris.uid")}`, ["datasetId: »${", "trainingJobs.train.datasetId", /datasets have no output "uid"/]);
refCase("malformed-two-parts", `${H}${DS}${TJ.replace("${datasets.iris.id}", "${datasets.iris}")}`, ["datasetId: »${", "trainingJobs.train.datasetId", /malformed reference/]);
refCase("malformed-empty", `${H}${DS}    description: "\${}"\n`, ['description: »"${}"', "datasets.iris.description", /malformed reference/]);
refCase("unclosed-reference", `${H}${DS}    description: "\${datasets.iris.id"\n`, ['description: »"${', "datasets.iris.description", /without a closing/]);
refCase("wrong-type-version-name", `${H}${MD}${SV("", "      - modelId: ${models.clf.id}\n        version: ${models.clf.name}\n")}`, ["version: »${models.clf.name}", "services.web.models.0.version", /\$\{models.clf.name\} is a string, but this property takes a number/]);
refCase("wrong-type-modelid-version", `${H}${MD}${SV("", "      - modelId: ${models.clf.version}\n        version: 1\n")}`, ["modelId: »${models.clf.version}", "services.web.models.0.modelId", /is a number, but this property takes a string/]);
refCase("wrong-type-datasetversion", `${H}${DS}${TJ}    datasetVersion: \${datasets.iris.name}\n`, ["datasetVersion: »${", "trainingJobs.train.datasetVersion", /is a string, but this property takes a number/]);
refCase("wrong-type-metrics", `${H}${DS}${TJ}models:\n  mdl:\n    format: logreg-json\n    source: models/model.json\n    metrics: \${trainingJobs.train.name}\n`, ["metrics: »${", "models.mdl.metrics", /is a string, but this property takes a map/]);
refCase("wrong-type-command", `${H}${DS}${TJ.replace("[node, train.js]", "${datasets.iris.latestVersion}")}`, ["command: »${", "trainingJobs.train.command", /is a number, but this property takes a list/]);
refCase("wrong-type-perf-version", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: \${models.clf.versions}\n`, ["modelVersion: »${", "perfJobs.bench.modelVersion", /is a list, but this property takes a number/]);
refCase("cycle-self", `${H}datasets:\n  iris:\n    format: csv\n    source: data/iris.csv\n    description: \${datasets.iris.name}\n`, ["description: »${", "datasets.iris.description", /reference cycle: datasets.iris -> datasets.iris/]);
refCase("cycle-two", `${H}datasets:\n  a1:\n    format: csv\n    source: data/iris.csv\n    description: \${datasets.b1.name}\n  b1:\n    format: csv\n    source: data/iris.csv\n    description: \${datasets.a1.name}\n`, ["description: ${datasets.b1.name}\n  b1:\n    format: csv\n    source: data/iris.csv\n    description: »${", "datasets.b1.description", /reference cycle: datasets.b1 -> datasets.a1 -> datasets.b1/]);
refCase("cycle-depends-on", `${H}${MD}${SV("    dependsOn: [services.web]\n")}`, ["dependsOn: [»services.web]", "services.web.dependsOn.0", /reference cycle/]);
refCase("depends-on-unknown", `${H}${DS}    dependsOn: [models.nope]\n`, ["dependsOn: [»models.nope]", "datasets.iris.dependsOn.0", /there is no models.nope/]);
refCase("depends-on-malformed", `${H}${DS}    dependsOn: [nope]\n`, ["dependsOn: [»nope]", "datasets.iris.dependsOn.0", /must be <section>.<key>/]);
refCase("embedded-dangling", `${H}${DS}    description: "from \${trainingJobs.x.name} run"\n`, ['description: »"from', "datasets.iris.description", /there is no trainingJobs.x/]);
refCase("reference-uppercase-key", `${H}${DS}${TJ.replace("datasets.iris.id", "datasets.Iris.id")}`, ["datasetId: »${", "trainingJobs.train.datasetId", /malformed reference/]);

// ------------------------------------------------------------------------------------------------ names
const keyCase = (name: string, key: string) =>
  add("names", name, `${H}datasets:\n  ${key}:\n    format: csv\n    source: data/iris.csv\n`, [`»${key.replace(/^"|"$/g, "").length ? key : key}:`, `datasets.${key.replace(/^"|"$/g, "")}`, /invalid key .*keys are 2-63 characters/]);
keyCase("key-uppercase", "Iris");
keyCase("key-underscore", "iris_data");
keyCase("key-too-long", "k".repeat(64));
keyCase("key-trailing-dash", "iris-");
keyCase("key-leading-digit", "1iris");
keyCase("key-one-char", "i");
keyCase("key-dot", "iris.v2");
const nameCase = (name: string, value: string) =>
  add("names", name, `${H}datasets:\n  iris:\n    name: ${value}\n    format: csv\n    source: data/iris.csv\n`, [`name: »${value}`, "datasets.iris.name", /must be 2-63 characters/]);
nameCase("name-uppercase", "Iris");
nameCase("name-space", '"iris data"');
nameCase("name-unicode", "鸢尾花");
nameCase("name-trailing-dash", "iris-");
nameCase("name-too-long", "n".repeat(70));
nameCase("name-empty", '""');
nameCase("name-slash", "team/iris");

// ---------------------------------------------------------------------------------------------- weights
const weightCase = (name: string, entries: string, where: string, path: string, message: RegExp) => add("weights", name, `${H}${MD}  clf2:\n    format: logreg-json\n    source: models/model.json\n${SV("", entries)}`, [where, path, message]);
const entry = (m: string, w: string) => `      - modelId: \${models.${m}.id}\n        version: 1\n        weight: ${w}\n`;
weightCase("weights-sum-90", entry("clf", "50") + entry("clf2", "40"), "models:\n      »- modelId", "services.web.models", /model weights must add up to 100/);
weightCase("weights-sum-110", entry("clf", "60") + entry("clf2", "50"), "models:\n      »- modelId", "services.web.models", /must add up to 100/);
const twoEntries = `${H}${MD}  clf2:\n    format: logreg-json\n    source: models/model.json\n`;
add("weights", "weight-out-of-range", twoEntries + SV("", entry("clf", "-1") + entry("clf2", "101")), ["weight: »-1", "services.web.models.0.weight", /Too small/], ["weight: »101", "services.web.models.1.weight", /Too big/]);
add("weights", "weight-float", twoEntries + SV("", entry("clf", "50.5") + entry("clf2", "49.5")), ["weight: »50.5", "services.web.models.0.weight", /expected int/], ["weight: »49.5", "services.web.models.1.weight", /expected int/]);
weightCase("weight-string", entry("clf", "half") + entry("clf2", "50"), "weight: »half", "services.web.models.0.weight", /expected number/);
weightCase("weights-default-two", "      - modelId: ${models.clf.id}\n        version: 1\n      - modelId: ${models.clf2.id}\n        version: 1\n", "models:\n      »- modelId", "services.web.models", /must add up to 100/);
weightCase("five-models", entry("clf", "20").repeat(5), "models:\n      »- modelId", "services.web.models", /Too big/);

// ------------------------------------------------------------------------------------------------ paths
const dsPath = (name: string, source: string, message: RegExp, where = `source: »${source}`) =>
  add("paths", name, `${H}datasets:\n  iris:\n    format: csv\n    source: ${source}\n`, [where, "datasets.iris.source", message]);
dsPath("source-missing", "data/nope.csv", /no such file or directory: data\/nope.csv/);
dsPath("source-etc-passwd", "/etc/passwd", /"\/etc\/passwd" is outside the platform's allowed roots/);
dsPath("source-dotdot-escape", "../../../../../../etc/passwd", /is outside the platform's allowed roots/);
dsPath("source-symlink-out", "link-etc/passwd", /resolves \(through a symbolic link\) to .*outside the platform's allowed roots/);
dsPath("source-file-uri", "file:///etc/passwd", /file:\/\/ is not something the local platform reads/);
dsPath("source-s3-uri", "s3://bucket/iris.csv", /s3:\/\/ is not something the local platform reads/);
dsPath("source-http-uri", "https://example.com/iris.csv", /https:\/\/ is not something the local platform reads/);
dsPath("source-mlp-uri", "mlp://training-jobs/tj-1/output", /mlp:\/\/ is not something the local platform reads/);
add("paths", "source-nul-escape", `${H}datasets:\n  iris:\n    format: csv\n    source: "data/iris.csv\\0"\n`, ['source: »"data', "datasets.iris.source", /control character U\+0000 \(NUL\)/], ['source: »"data', "datasets.iris.source", /no such file or directory/]);
dsPath("source-dir-missing", "data/missing-dir/", /no such file or directory/);
const wdCase = (name: string, wd: string, message: RegExp) => add("paths", name, `${H}${DS}${TJ}    workingDir: ${wd}\n`, [`workingDir: »${wd}`, "trainingJobs.train.workingDir", message]);
wdCase("workingdir-file", "train.js", /workingDir train.js is a file; it must name a directory/);
wdCase("workingdir-missing", "nowhere", /no such file or directory: nowhere/);
wdCase("workingdir-outside", "/etc", /"\/etc" is outside the platform's allowed roots/);
wdCase("workingdir-uri", "file:///tmp", /file:\/\/ is not something the local platform reads/);
wdCase("workingdir-symlink-out", "link-etc", /through a symbolic link/);
const mdPath = (name: string, source: string, message: RegExp) => add("paths", name, `${H}models:\n  clf:\n    format: logreg-json\n    source: ${source}\n`, [`source: »${source}`, "models.clf.source", message]);
mdPath("model-source-missing", "models/nope.json", /no such file or directory/);
mdPath("model-source-s3", "s3://bucket/model.json", /s3:\/\/ is not something the local platform reads/);
mdPath("model-source-outside", "/etc/hostname", /outside the platform's allowed roots/);
mdPath("model-source-not-logreg", "data/iris.csv", /is not a logreg-json artifact/);
mdPath("model-source-bad-mlp", "mlp://nothing/here", /is not a training job output/);
mdPath("model-source-missing-job", "mlp://training-jobs/tj-nope/output", /training job "tj-nope" does not exist/);
mdPath("model-source-dir-without-artifact", "data/dir", /is not a logreg-json artifact: model.json in it is missing or not JSON/);

// ---------------------------------------------------------------------------------------- flavors and limits
const svFlavor = (name: string, extra: string, where: string, path: string, message: RegExp) => add("flavors", name, `${H}${MD}${SV(extra)}`, [where, path, message]);
svFlavor("service-replicas-8-small", "    replicas: 8\n", "replicas: »8", "services.web.replicas", /flavor local.small allows at most 4 replicas per model, got 8/);
svFlavor("service-replicas-12-medium", "    replicas: 12\n    flavor: local.medium\n", "replicas: »12", "services.web.replicas", /flavor local.medium allows at most 8 replicas/);
svFlavor("service-replicas-17", "    replicas: 17\n", "replicas: »17", "services.web.replicas", /Too big/);
svFlavor("service-flavor-cloud", "    flavor: ml.g4dn.xlarge\n", "flavor: »ml.g4dn", "services.web.flavor", /unknown flavor "ml.g4dn.xlarge"; the local platform offers: local.small, local.medium, local.large/);
svFlavor("service-flavor-empty", '    flavor: ""\n', 'flavor: »""', "services.web.flavor", /unknown flavor ""/);
add("flavors", "job-flavor-unknown", `${H}${DS}${TJ}    flavor: gpu.a100\n`, ["flavor: »gpu.a100", "trainingJobs.train.flavor", /unknown flavor "gpu.a100"/]);
add("flavors", "job-instance-count", `${H}${DS}${TJ}    instanceCount: 2\n`, ["instanceCount: »2", "trainingJobs.train.instanceCount", /Too big/]);
add("flavors", "job-max-runtime", `${H}${DS}${TJ}    maxRuntimeSeconds: 999999999\n`, ["maxRuntimeSeconds: »999999999", "trainingJobs.train.maxRuntimeSeconds", /Too big/]);
add("flavors", "perf-flavor-second", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    flavors: [local.small, gpu.a100]\n`, ["flavors: [local.small, »gpu.a100]", "perfJobs.bench.flavors.1", /unknown flavor "gpu.a100"/]);
add("flavors", "perf-concurrency-300", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    concurrency: [300]\n`, ["concurrency: [»300]", "perfJobs.bench.concurrency.0", /Too big/]);
add("flavors", "perf-duration-601", `${H}${MD}perfJobs:\n  bench:\n    modelId: \${models.clf.id}\n    modelVersion: 1\n    durationSeconds: 601\n`, ["durationSeconds: »601", "perfJobs.bench.durationSeconds", /Too big/]);
add("flavors", "deadline-over-a-week", `${H}${DS}    deadlineSeconds: 700000\n`, ["deadlineSeconds: »700000", "datasets.iris.deadlineSeconds", /Too big/]);
add("flavors", "perf-model-missing", `${H}perfJobs:\n  bench:\n    modelId: md-nope\n    modelVersion: 1\n`, ["modelId: »md-nope", "perfJobs.bench.modelId", /model "md-nope" does not exist/]);
add("flavors", "service-model-id-missing", `${H}${SV("", "      - modelId: md-nope\n        version: 1\n")}`, ["modelId: »md-nope", "services.web.models.0.modelId", /model "md-nope" does not exist/]);
add("flavors", "job-dataset-id-missing", `${H}trainingJobs:\n  train:\n    command: [x]\n    datasetId: ds-nope\n`, ["datasetId: »ds-nope", "trainingJobs.train.datasetId", /dataset "ds-nope" does not exist/]);
add(
  "flavors",
  "many-platform-problems",
  `${H}${MD}${SV("    replicas: 9\n    flavor: local.medium\n")}  other:\n    models:\n      - modelId: md-nope\n        version: 1\n    flavor: tiny\n`,
  ["replicas: »9", "services.web.replicas", /at most 8 replicas/],
  ["modelId: »md-nope", "services.other.models.0.modelId", /does not exist/],
  ["flavor: »tiny", "services.other.flavor", /unknown flavor "tiny"/],
);

// --------------------------------------------------------------------------------------- empty and huge
add("size", "empty-file", "", ["^", "apiVersion", /expected "mlplatform\/v1"/]);
add("size", "only-comments", "# nothing here\n# at all\n", ["^", "apiVersion", /expected "mlplatform\/v1"/]);
add("size", "only-document-marker", "---\n", ["---»", "apiVersion", /expected "mlplatform\/v1"/]);
add("size", "null-document", "null\n", ["^", "apiVersion", /expected "mlplatform\/v1"/]);
add("size", "top-level-list", "- apiVersion: mlplatform/v1\n", ["^", "", /expected object/]);
add("size", "top-level-string", "mlplatform\n", ["^", "", /expected object/]);
add("size", "over-one-mib", `${H}description: "${"x".repeat(1024 * 1024)}"\n`, ["^", "", /manifests larger than 1048576 bytes are refused/]);
add("size", "many-objects-one-bad", `${H}datasets:\n${Array.from({ length: 300 }, (_, i) => `  d${String(i).padStart(3, "0")}:\n    format: csv\n    source: data/iris.csv\n`).join("")}  last:\n    format: xml\n    source: data/iris.csv\n`, ["format: »xml", "datasets.last.format", /expected one of/]);

// ------------------------------------------------------------------------------- unicode and line endings
add("encoding", "cr-only-endings", `${H}${MD}${SV("    replicas: 0\n")}`.replace(/\n/g, "\r"), ["replicas: »0", "services.web.replicas", />=1/]);
add("encoding", "crlf-endings", `${H}${MD}${SV("    replicas: 0\n")}`.replace(/\n/g, "\r\n"), ["replicas: »0", "services.web.replicas", />=1/]);
add("encoding", "crlf-unclosed-quote", `${H}description: "open\r\n${DS}`.replace(/\n(?!$)/g, "\r\n"), ['description: »"open', "", /never closed/]);
add("encoding", "bom", `\ufeff${H}datasets:\n  iris:\n    format: xml\n    source: data/iris.csv\n`, ["format: »xml", "datasets.iris.format", /expected one of/]);
add("encoding", "unicode-key", `${H}datasets:\n  数据:\n    format: csv\n    source: data/iris.csv\n`, ["»数据", "datasets.数据", /invalid key/]);
add("encoding", "zero-width-in-key", `${H}datasets:\n  ir\u200bis:\n    format: csv\n    source: data/iris.csv\n`, ["»ir\u200bis", "datasets.ir\u200bis", /invalid key/]);
add("encoding", "nbsp-in-value", `${H}datasets:\n  iris:\n    format: csv\u00a0\n    source: data/iris.csv\n`, ["format: »csv", "datasets.iris.format", /expected one of/]);
add("encoding", "bidi-override-in-name", `${H}datasets:\n  iris:\n    name: "ab\u202ecd"\n    format: csv\n    source: data/iris.csv\n`, ['name: »"ab', "datasets.iris.name", /must be 2-63 characters/]);
add("encoding", "raw-nul-byte", `${H}description: a\u0000b\n`, ["description: a»\u0000", "", /control character U\+0000 \(NUL\)/]);
add("encoding", "raw-bell", `${H}description: a\u0007b\n`, ["description: a»\u0007", "", /control character U\+0007/]);
add("encoding", "escaped-nul-in-command", `${H}${DS}${TJ.replace("[node, train.js]", '[node, "train.js\\0"]')}`, ['command: [node, »"train.js', "trainingJobs.train.command.1", /control character U\+0000 \(NUL\)/]);
add("encoding", "emoji-name", `${H}datasets:\n  iris:\n    name: "iris-🌸"\n    format: csv\n    source: data/iris.csv\n`, ['name: »"iris', "datasets.iris.name", /must be 2-63 characters/]);

// ------------------------------------------------------------------------------------ shell metacharacters
add("shell", "name-semicolon", `${H}datasets:\n  iris:\n    name: "iris; rm -rf /"\n    format: csv\n    source: data/iris.csv\n`, ['name: »"iris;', "datasets.iris.name", /must be 2-63 characters/]);
add("shell", "name-command-substitution", `${H}datasets:\n  iris:\n    name: "$(id)"\n    format: csv\n    source: data/iris.csv\n`, ['name: »"$(id)"', "datasets.iris.name", /must be 2-63 characters/]);
add("shell", "key-backticks", `${H}datasets:\n  "\`id\`":\n    format: csv\n    source: data/iris.csv\n`, ['»"`id`"', "datasets.`id`", /invalid key/]);
add("shell", "source-substitution", `${H}datasets:\n  iris:\n    format: csv\n    source: "data/$(whoami).csv"\n`, ['source: »"data/$(whoami)', "datasets.iris.source", /no such file or directory: data\/\$\(whoami\).csv/]);
add("shell", "command-as-shell-string", `${H}${DS}${TJ.replace("[node, train.js]", '"node train.js && curl x | sh"')}`, ['command: »"node', "trainingJobs.train.command", /expected array/]);
add("shell", "env-key-semicolon", `${H}${DS}${TJ}    env: { "A;B": x }\n`, ['»"A;B"', "trainingJobs.train.env.A;B", /Invalid key|environment variable names/]);
add("shell", "hyperparameter-key-dollar", `${H}${DS}${TJ}    hyperParameters: { "lr$(id)": 1 }\n`, ['»"lr$(id)"', "trainingJobs.train.hyperParameters.lr$(id)", /invalid key "lr\$\(id\)"/]);
add("shell", "tag-key-pipe", `${H}${DS}    tags: { "a|b": x }\n`, ['»"a|b"', "datasets.iris.tags.a|b", /tag keys are 1-63 characters/]);
add("shell", "reserved-tag", `${H}${DS}    tags: { "mlplatform/urn": x }\n`, ['"mlplatform/urn": »x', "datasets.iris.tags.mlplatform/urn", /reserved for the mlplatform provider/]);
add("shell", "workingdir-substitution", `${H}${DS}${TJ}    workingDir: "\`pwd\`"\n`, ['workingDir: »"`pwd`"', "trainingJobs.train.workingDir", /no such file or directory/]);
add("shell", "service-env-key-dash", `${H}${MD}${SV('    env: { "A-B": x }\n')}`, ['»"A-B"', "services.web.env.A-B", /Invalid key|environment variable names/]);

// ------------------------------------------------------------------------------------------ deep nesting
add("nesting", "flow-1000", `${H}description: ${"[".repeat(1000)}${"]".repeat(1000)}\n`, [`description: ${"[".repeat(63)}»[`, "", /nesting deeper than 64 levels/]);
add("nesting", "flow-maps-200", `${H}datasets: ${"{a: ".repeat(200)}1${"}".repeat(200)}\n`, [`datasets: ${"{a: ".repeat(63)}»{a`, "", /nesting deeper than 64 levels/]);
add("nesting", "block-seq-1000", `${H}description:\n${Array.from({ length: 1000 }, (_, i) => " ".repeat(i * 2) + "- ").join("\n")}x\n`, [`${" ".repeat(124)}- \n${" ".repeat(126)}»- `, "", /nesting deeper than 64 levels/]);
add("nesting", "block-map-100", `${H}description:\n${Array.from({ length: 100 }, (_, i) => " ".repeat(i * 2 + 2) + `k${i}:`).join("\n")} x\n`, [`${" ".repeat(128)}»k63:`, "", /nesting deeper than 64 levels/]);
add("nesting", "deep-but-allowed-in-wrong-place", `${H}description: ${"[".repeat(10)}${"]".repeat(10)}\n`, ["description: »[", "description", /expected string/]);

export const CORPUS = cases;
