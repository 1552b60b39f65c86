import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import type * as sarif from "sarif";
import { parse as parseYaml } from "yaml";

import { escapeData, escapeProperty } from "../cli/formats/github";

const ROOT = path.resolve(__dirname, "..", "..");
const CHECK = path.join(ROOT, "dist", "cli", "check.js");
const WORKFLOW = path.join(ROOT, ".github", "workflows", "capacity.yml");

const POLICIES = [
    "memory-within-node-capacity",
    "cpu-within-node-capacity",
    "vram-within-gpu-capacity",
    "gpu-request-valid",
    "container-has-limits",
    "node-headroom",
    "no-privileged-containers",
    "no-docker-socket-mount",
    "no-host-namespaces-on-shared-nodes",
    "no-plaintext-secrets",
    "image-pinned",
    "replace-delete-first",
    "network-mode-explicit",
];

function check(args: string[], env: Record<string, string> = {}) {
    const run = spawnSync(process.execPath, [CHECK, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const temporaryFolders: string[] = [];

function makeTemporaryFolder(prefix: string): string {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temporaryFolders.push(folder);
    return folder;
}

/** Runs the check with every CI format into a fresh folder and reads the files back. */
function checkWithReports(args: string[], env: Record<string, string> = {}) {
    const dir = makeTemporaryFolder("bev-formats-");
    const junitFile = path.join(dir, "reports", "junit.xml");
    const sarifFile = path.join(dir, "reports", "check.sarif");
    const run = check([...args, "--junit", junitFile, "--sarif", sarifFile, "--github-annotations"], env);
    assert.ok(fs.existsSync(junitFile), `no JUnit file; stderr: ${run.stderr}`);
    assert.ok(fs.existsSync(sarifFile), `no SARIF file; stderr: ${run.stderr}`);
    return {
        ...run,
        dir,
        junit: parseJUnit(fs.readFileSync(junitFile, "utf8")),
        sarif: JSON.parse(fs.readFileSync(sarifFile, "utf8")) as sarif.Log,
        annotations: run.stdout.split("\n").filter((line) => line.startsWith("::")),
    };
}

interface JUnitCase {
    attributes: Record<string, string>;
    body: string;
    failure?: { message: string; type: string; text: string };
    systemOut?: string;
    skipped: boolean;
}

interface JUnitSuite {
    attributes: Record<string, string>;
    properties: Record<string, string>;
    cases: Map<string, JUnitCase>;
}

/** Reads the subset of JUnit XML that junit-report-builder writes, by pattern. */
function parseJUnit(xml: string): { root: Record<string, string>; suites: Map<string, JUnitSuite> } {
    const root = /<testsuites ([^>]*)>/.exec(xml);
    assert.ok(root, `no <testsuites> element in ${xml}`);
    const suites = new Map<string, JUnitSuite>();
    for (const [, suiteAttributes, suiteBody] of xml.matchAll(/<testsuite ([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
        const attributes = attributesOf(suiteAttributes);
        const properties: Record<string, string> = {};
        const suiteProperties = /^\s*<properties>([\s\S]*?)<\/properties>/.exec(suiteBody)?.[1] ?? "";
        for (const [, property] of suiteProperties.matchAll(/<property ([^>]*?)\/>/g)) {
            const { name, value } = attributesOf(property);
            properties[name] = value;
        }
        const cases = new Map<string, JUnitCase>();
        for (const [, caseAttributes, body = ""] of suiteBody.matchAll(/<testcase ([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
            const testCase: JUnitCase = { attributes: attributesOf(caseAttributes), body, skipped: /<skipped\/>/.test(body) };
            const failure = /<failure ([^>]*?)(?:\/>|>(?:<!\[CDATA\[([\s\S]*?)\]\]>)?<\/failure>)/.exec(body);
            if (failure) {
                const { message, type } = attributesOf(failure[1]);
                testCase.failure = { message, type, text: failure[2] ?? "" };
            }
            const systemOut = /<system-out><!\[CDATA\[([\s\S]*?)\]\]><\/system-out>/.exec(body);
            if (systemOut) {
                testCase.systemOut = systemOut[1];
            }
            cases.set(testCase.attributes.name, testCase);
        }
        suites.set(attributes.name, { attributes, properties, cases });
    }
    return { root: attributesOf(root[1]), suites };
}

function attributesOf(text: string): Record<string, string> {
    const attributes: Record<string, string> = {};
    for (const [, name, value] of text.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        attributes[name] = value
            .replace(/&quot;/g, '"')
            .replace(/&apos;/g, "'")
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&#xA;/g, "\n")
            .replace(/&amp;/g, "&");
    }
    return attributes;
}

function suite(junit: ReturnType<typeof parseJUnit>, name: string): JUnitSuite {
    const found = junit.suites.get(name);
    assert.ok(found, `no test suite ${name}; suites: ${[...junit.suites.keys()].join(", ")}`);
    return found;
}

function testCase(junit: ReturnType<typeof parseJUnit>, suiteName: string, policy: string): JUnitCase {
    const found = suite(junit, suiteName).cases.get(policy);
    assert.ok(found, `no test case ${policy} in suite ${suiteName}`);
    return found;
}

/** Returns the file a SARIF result's first location names, resolving the project base id. */
function resultFile(log: sarif.Log, location: sarif.Location | undefined): string {
    const artifact = location?.physicalLocation?.artifactLocation;
    assert.ok(artifact?.uri, `location without a URI: ${JSON.stringify(location)}`);
    if (artifact.uriBaseId === undefined) {
        return fileURLToPath(artifact.uri);
    }
    const base = log.runs[0].originalUriBaseIds?.[artifact.uriBaseId]?.uri;
    assert.ok(base, `unknown uriBaseId ${artifact.uriBaseId}`);
    return fileURLToPath(new URL(artifact.uri, base));
}

/** Returns the text of the line a SARIF location points at, checking that file and line exist. */
function lineAt(log: sarif.Log, location: sarif.Location | undefined): string {
    const file = resultFile(log, location);
    assert.ok(fs.existsSync(file), `the location's file ${file} does not exist`);
    const line = location?.physicalLocation?.region?.startLine;
    assert.ok(line !== undefined, `location without a start line: ${JSON.stringify(location)}`);
    assert.ok(line >= 1, `start line ${line} is not 1 or more`);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    assert.ok(line <= lines.length, `line ${line} is past the end of ${file} (${lines.length} lines)`);
    return lines[line - 1];
}

function nodeKeyPattern(node: string): RegExp {
    return new RegExp(`^\\s*"?${node}"?\\s*:`);
}

describe("CI report formats", () => {
    after(() => {
        for (const folder of temporaryFolders) {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    describe("on the current plan", () => {
        let run: ReturnType<typeof checkWithReports>;

        before(() => {
            run = checkWithReports(["--plan", "current"]);
        });

        it("exits 1 and still writes the reports", () => {
            assert.equal(run.status, 1, run.stderr);
            assert.match(run.stdout, /^FAILED: 3 mandatory violation\(s\), 2 advisory warning\(s\)$/m);
        });

        it("writes one JUnit suite per stack and one case per policy", () => {
            assert.deepEqual([...run.junit.suites.keys()], ["oracle1", "starlord", "thanos"]);
            for (const [name, found] of run.junit.suites) {
                assert.deepEqual([...found.cases.keys()], POLICIES, `cases of suite ${name}`);
                for (const testCaseFound of found.cases.values()) {
                    assert.equal(testCaseFound.attributes.classname, `bev-capacity.${name}`);
                }
            }
            assert.equal(run.junit.root.name, "bev-capacity 0.1.0");
            assert.equal(run.junit.root.tests, String(3 * POLICIES.length));
            assert.equal(run.junit.root.failures, "3");
        });

        it("fails THANOS' capacity cases with each message", () => {
            const memory = testCase(run.junit, "thanos", "memory-within-node-capacity");
            assert.equal(memory.failure?.type, "mandatory");
            assert.match(memory.failure?.message ?? "", /^Node thanos is over capacity in memory: .* 166\.25 GiB against 64\.00 GiB/);
            assert.match(memory.failure?.text ?? "", /^mandatory at stacks\/hardware\.ts:\d+\nNode thanos is over capacity in memory/);
            assert.equal(memory.attributes.file, "stacks/hardware.ts");
            assert.match(testCase(run.junit, "thanos", "cpu-within-node-capacity").failure?.message ?? "", /45\.5 cores against 16 cores/);
            assert.match(testCase(run.junit, "thanos", "vram-within-gpu-capacity").failure?.message ?? "", /VRAM of GPU 0/);
            assert.equal(suite(run.junit, "thanos").attributes.failures, "3");
        });

        it("passes the cases of policies without violations", () => {
            for (const policy of ["gpu-request-valid", "container-has-limits", "node-headroom"]) {
                const found = testCase(run.junit, "thanos", policy);
                assert.equal(found.failure, undefined, `${policy} failed`);
                assert.equal(found.skipped, false, `${policy} skipped`);
            }
            assert.equal(suite(run.junit, "starlord").attributes.failures, "0");
        });

        it("keeps advisory violations out of failures", () => {
            const headroom = testCase(run.junit, "oracle1", "node-headroom");
            assert.equal(headroom.failure, undefined);
            assert.match(headroom.systemOut ?? "", /^advisory at stacks\/hardware\.ts:\d+\nNode oracle1 has little headroom in memory/);
            assert.match(headroom.systemOut ?? "", /Node oracle1 has little headroom in CPU/);
            assert.equal(suite(run.junit, "oracle1").attributes.failures, "0");
        });

        it("records each stack's node, plan and inventory", () => {
            assert.deepEqual(suite(run.junit, "thanos").properties, {
                node: "thanos",
                plan: "current",
                inventory: "stacks/services.ts",
                containers: "34",
            });
        });

        it("names the pack and one SARIF rule per policy", () => {
            assert.equal(run.sarif.version, "2.1.0");
            assert.equal(run.sarif.runs.length, 1);
            const driver = run.sarif.runs[0].tool.driver;
            assert.equal(driver.name, "bev-capacity");
            assert.equal(driver.version, "0.1.0");
            assert.deepEqual(
                driver.rules?.map((rule) => rule.id),
                POLICIES,
            );
            const levels = Object.fromEntries(driver.rules!.map((rule) => [rule.id, rule.defaultConfiguration?.level]));
            assert.equal(levels["memory-within-node-capacity"], "error");
            assert.equal(levels["node-headroom"], "warning");
            const memoryRule = driver.rules!.find((rule) => rule.id === "memory-within-node-capacity");
            assert.match(memoryRule?.shortDescription?.text ?? "", /must not sum to more than the node's physical memory/);
        });

        it("gives one SARIF result per violation with its level", () => {
            const results = run.sarif.runs[0].results ?? [];
            assert.deepEqual(
                results.map((r) => `${r.properties?.stack} ${r.ruleId} ${r.level}`),
                [
                    "oracle1 node-headroom warning",
                    "oracle1 node-headroom warning",
                    "thanos memory-within-node-capacity error",
                    "thanos cpu-within-node-capacity error",
                    "thanos vram-within-gpu-capacity error",
                ],
            );
            for (const result of results) {
                const rules = run.sarif.runs[0].tool.driver.rules!;
                assert.equal(rules[result.ruleIndex!].id, result.ruleId);
                assert.doesNotMatch(result.message.text ?? "", /^The memory limits of a node's containers must not/);
            }
        });

        it("locates node totals at the node's hardware entry", () => {
            for (const result of run.sarif.runs[0].results ?? []) {
                const location = result.locations?.[0];
                assert.equal(location?.physicalLocation?.artifactLocation?.uri, "stacks/hardware.ts");
                const node = result.properties?.node as string;
                assert.match(lineAt(run.sarif, location), nodeKeyPattern(node), `line of ${result.ruleId} on ${node}`);
                assert.equal(result.properties?.urn, "");
                assert.equal(result.properties?.service, undefined);
            }
        });

        it("relates node totals to the largest services", () => {
            const memory = (run.sarif.runs[0].results ?? []).find((r) => r.ruleId === "memory-within-node-capacity");
            const related = memory?.relatedLocations ?? [];
            assert.equal(related.length, 5, JSON.stringify(related));
            for (const location of related) {
                const service = location.logicalLocations?.[0]?.name;
                assert.ok(service, `related location without a name: ${JSON.stringify(location)}`);
                assert.match(location.logicalLocations?.[0]?.fullyQualifiedName ?? "", new RegExp(`^urn:pulumi:thanos::bev::.*::${service}$`));
                assert.ok(lineAt(run.sarif, location).includes(`name: "${service}"`), `line for ${service}`);
            }
        });

        it("annotates each violation for GitHub", () => {
            assert.equal(run.annotations.length, 5, run.annotations.join("\n"));
            const errors = run.annotations.filter((line) => line.startsWith("::error "));
            const warnings = run.annotations.filter((line) => line.startsWith("::warning "));
            assert.equal(errors.length, 3);
            assert.equal(warnings.length, 2);
            assert.match(errors[0], /^::error file=stacks\/hardware\.ts,line=\d+,col=\d+,title=memory-within-node-capacity \(stack thanos\)::Node thanos is over capacity in memory/);
            assert.match(errors[0], /\(259\.8 %25\)/);
            assert.match(errors[0], /Largest contributors:%0A {2}anomaly-detector/);
            assert.match(warnings[0], /^::warning file=stacks\/hardware\.ts,line=\d+,col=\d+,title=node-headroom \(stack oracle1\)::/);
        });

        it("prints the annotations after the table", () => {
            const verdict = run.stdout.indexOf("\nFAILED: ");
            const firstAnnotation = run.stdout.indexOf("\n::");
            assert.ok(verdict > 0, "no verdict line");
            assert.ok(firstAnnotation > verdict, "the annotations do not follow the verdict");
        });
    });

    describe("on the rebalanced plan", () => {
        let run: ReturnType<typeof checkWithReports>;
        let summary: string;

        before(() => {
            const summaryFile = path.join(makeTemporaryFolder("bev-summary-"), "summary.md");
            fs.writeFileSync(summaryFile, "earlier step\n");
            run = checkWithReports(["--plan", "rebalanced"], { GITHUB_STEP_SUMMARY: summaryFile });
            summary = fs.readFileSync(summaryFile, "utf8");
        });

        it("exits 0 with no JUnit failure", () => {
            assert.equal(run.status, 0, run.stderr);
            assert.equal(run.junit.root.failures, "0");
            assert.equal(run.junit.root.tests, String(3 * POLICIES.length));
        });

        it("reports THANOS' headroom as an advisory system-out", () => {
            const headroom = testCase(run.junit, "thanos", "node-headroom");
            assert.equal(headroom.failure, undefined);
            assert.match(headroom.systemOut ?? "", /Node thanos has little headroom in memory: .*\(85\.9 %\)/);
        });

        it("gives only warnings in SARIF and annotations", () => {
            const results = run.sarif.runs[0].results ?? [];
            assert.ok(results.length > 0, "no SARIF results");
            assert.deepEqual([...new Set(results.map((r) => r.level))], ["warning"]);
            assert.ok(run.annotations.length > 0, "no annotations");
            assert.deepEqual(run.annotations.filter((line) => !line.startsWith("::warning ")), []);
        });

        it("appends a job summary table", () => {
            assert.ok(summary.startsWith("earlier step\n### Capacity check passed (bev-capacity 0.1.0)\n"), summary);
            assert.match(summary, /^\| thanos \| thanos \| rebalanced \| 85\.9 % \| 87\.5 % \| GPU 0: 0\.0 % \| 0 \| \d+ \|$/m);
            assert.match(summary, /^\| oracle1 \| oracle1 \| rebalanced \| [\d.]+ % \| [\d.]+ % \| none \| 0 \| \d+ \|$/m);
            assert.match(summary, /^- advisory `node-headroom` on thanos: Node thanos has little headroom in memory/m);
        });
    });

    describe("with an inventory file", () => {
        const dir = makeTemporaryFolder("bev-formats-inventory-");
        const yamlFile = path.join(dir, "inventory.yaml");
        const jsonFile = path.join(dir, "inventory.json");
        const configFile = path.join(dir, "policy-config.json");
        const inventoryYaml = [
            "nodes:",
            "  thanos: { memory: 16g, cpus: 8, arch: amd64, gpus: [{ id: \"0\", model: RTX 3080, vram: 10g }] }",
            "plans:",
            "  current:",
            "    - { name: web, node: thanos, image: \"nginx:1.27\", memory: 8g, cpus: 2 }",
            "    - name: vision",
            "      node: thanos",
            "      image: ghcr.io/example/vision:1.0",
            "      memory: 10g",
            "      cpus: 2",
            "      gpu: { deviceIds: [\"0\"], vram: 4g }",
            "",
        ].join("\n");

        before(() => {
            fs.writeFileSync(yamlFile, inventoryYaml);
            fs.writeFileSync(jsonFile, JSON.stringify(parseYaml(inventoryYaml), null, 2));
            // The GPU policy's config gives THANOS no GPUs, so the policy rejects the vision container's request.
            fs.writeFileSync(
                configFile,
                JSON.stringify({
                    "gpu-request-valid": { nodes: { thanos: { memory: "16g", cpus: 8 } } },
                    "node-headroom": { enforcementLevel: "disabled" },
                }),
            );
        });

        for (const [format, file, serviceLine, nodeLine] of [
            ["YAML", yamlFile, /^ {4}- name: vision$/, /^ {2}thanos: \{/],
            ["JSON", jsonFile, /^ {8}"name": "vision",$/, /^ {4}"thanos": \{$/],
        ] as const) {
            describe(`in ${format}`, () => {
                let run: ReturnType<typeof checkWithReports>;

                before(() => {
                    run = checkWithReports([
                        "--inventory", file, "--plan", "current", "--stack", "thanos", "--policy-pack-config", configFile,
                    ]);
                });

                it("exits 1", () => {
                    assert.equal(run.status, 1, run.stderr);
                });

                it("locates a container's violation at its service entry", () => {
                    const results = (run.sarif.runs[0].results ?? []).filter((r) => r.ruleId === "gpu-request-valid");
                    assert.equal(results.length, 2);
                    for (const result of results) {
                        const location = result.locations?.[0];
                        assert.equal(resultFile(run.sarif, location), file);
                        assert.match(lineAt(run.sarif, location), serviceLine);
                        assert.equal(result.properties?.service, "vision");
                        assert.match(result.properties?.urn as string, /^urn:pulumi:thanos::bev::.*Container::vision$/);
                        assert.equal(location?.logicalLocations?.[0]?.fullyQualifiedName, result.properties?.urn);
                    }
                });

                it("locates the node's total at its node entry", () => {
                    const memory = (run.sarif.runs[0].results ?? []).find((r) => r.ruleId === "memory-within-node-capacity");
                    assert.ok(memory, "no memory result");
                    assert.match(lineAt(run.sarif, memory.locations?.[0]), nodeLine);
                    assert.deepEqual(
                        memory.relatedLocations?.map((location) => lineAt(run.sarif, location).trim()),
                        format === "YAML"
                            ? ["- name: vision", "- { name: web, node: thanos, image: \"nginx:1.27\", memory: 8g, cpus: 2 }"]
                            : ['"name": "vision",', '"name": "web",'],
                    );
                });

                it("annotates the service's line", () => {
                    const lines = fs.readFileSync(file, "utf8").split("\n");
                    const serviceLineNumber = lines.findIndex((line) => serviceLine.test(line)) + 1;
                    const gpu = run.annotations.filter((line) => line.includes("title=gpu-request-valid"));
                    assert.equal(gpu.length, 2);
                    for (const annotation of gpu) {
                        assert.ok(
                            annotation.startsWith(`::error file=${escapeProperty(file)},line=${serviceLineNumber},`),
                            annotation,
                        );
                    }
                });

                it("skips the disabled policy's JUnit case", () => {
                    assert.equal(testCase(run.junit, "thanos", "node-headroom").skipped, true);
                    const rule = run.sarif.runs[0].tool.driver.rules?.find((r) => r.id === "node-headroom");
                    assert.equal(rule?.defaultConfiguration?.level, "none");
                    assert.equal(rule?.defaultConfiguration?.enabled, false);
                });

                it("puts every GPU violation in one JUnit failure", () => {
                    const gpu = testCase(run.junit, "thanos", "gpu-request-valid");
                    assert.match(gpu.failure?.message ?? "", /^2 mandatory violations; the first: Container vision /);
                    assert.equal(gpu.failure?.text.match(/^mandatory at /gm)?.length, 2);
                });
            });
        }
    });

    describe("on bad output options", () => {
        const dir = makeTemporaryFolder("bev-formats-bad-");

        it("exits 2 naming a report path it cannot write", () => {
            const blocker = path.join(dir, "not-a-folder");
            fs.writeFileSync(blocker, "");
            const target = path.join(blocker, "check.sarif");
            const run = check(["--stack", "starlord", "--sarif", target]);
            assert.equal(run.status, 2, run.stderr);
            assert.ok(run.stderr.startsWith(`error: --sarif ${target}: cannot write the file: `), run.stderr);
            assert.equal(run.stdout, "");
        });

        it("exits 2 naming a job summary it cannot write", () => {
            const summary = path.join(dir, "summary-folder");
            fs.mkdirSync(summary, { recursive: true });
            const run = check(["--stack", "starlord", "--github-annotations"], { GITHUB_STEP_SUMMARY: summary });
            assert.equal(run.status, 2, run.stderr);
            assert.ok(run.stderr.startsWith(`error: GITHUB_STEP_SUMMARY ${summary}: cannot write the file: `), run.stderr);
        });

        it("rejects annotations together with --json", () => {
            const run = check(["--json", "--github-annotations"]);
            assert.equal(run.status, 2);
            assert.match(run.stderr, /^error: --github-annotations: cannot be combined with --json/);
            assert.equal(run.stdout, "");
        });

        it("rejects one file for both reports", () => {
            const file = path.join(dir, "report");
            const run = check(["--junit", file, "--sarif", file]);
            assert.equal(run.status, 2);
            assert.ok(run.stderr.startsWith(`error: --junit and --sarif: both name ${file}; `), run.stderr);
            assert.equal(fs.existsSync(file), false);
        });
    });

    describe("annotation escaping", () => {
        const text = "100% over: a, b\r\nnext line\nlast";

        it("escapes %, CR and LF in data", () => {
            assert.equal(escapeData(text), "100%25 over: a, b%0D%0Anext line%0Alast");
        });

        it("also escapes : and , in properties", () => {
            assert.equal(escapeProperty(text), "100%25 over%3A a%2C b%0D%0Anext line%0Alast");
        });

        it("escapes % before the other characters", () => {
            assert.equal(escapeData("%0A"), "%250A");
            assert.equal(escapeProperty("%3A:"), "%253A%3A");
        });
    });

    describe("workflow", () => {
        const workflow = parseYaml(fs.readFileSync(WORKFLOW, "utf8"), { uniqueKeys: true }) as {
            on: Record<string, unknown>;
            jobs: Record<string, {
                if?: string;
                needs?: string;
                outputs?: Record<string, string>;
                strategy?: { matrix: { stack: string[] } };
                steps: { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }[];
            }>;
        };
        const uses = (job: string, action: string) => workflow.jobs[job].steps.find((step) => step.uses?.startsWith(`${action}@`));

        it("runs on pull requests and pushes to main", () => {
            assert.ok("pull_request" in workflow.on);
            assert.deepEqual(workflow.on.push, { branches: ["main"] });
        });

        it("checks with every CI format and uploads the reports", () => {
            const steps = workflow.jobs.check.steps;
            const checkStep = steps.find((step) => step.run?.startsWith("npm run check"));
            assert.ok(checkStep, "no npm run check step");
            assert.match(checkStep.run!, /--junit reports\/capacity-junit\.xml/);
            assert.match(checkStep.run!, /--sarif reports\/capacity\.sarif/);
            assert.match(checkStep.run!, /--github-annotations/);
            assert.ok(steps.some((step) => step.run === "npm ci"), "no npm ci step");
            assert.deepEqual(uses("check", "actions/setup-node")?.with, { "node-version": 20, cache: "npm" });
            const sarifUpload = uses("check", "github/codeql-action/upload-sarif");
            assert.equal(sarifUpload?.with?.sarif_file, "reports/capacity.sarif");
            assert.match(sarifUpload?.if ?? "", /^always\(\)/);
            const junitUpload = uses("check", "actions/upload-artifact");
            assert.equal(junitUpload?.with?.path, "reports/capacity-junit.xml");
            assert.match(junitUpload?.if ?? "", /^always\(\)/);
        });

        it("previews each stack only with a Pulumi token", () => {
            const preview = workflow.jobs.preview;
            assert.deepEqual(preview.strategy?.matrix.stack, ["thanos", "oracle1", "starlord"]);
            assert.equal(preview.needs, "pulumi-token");
            assert.equal(preview.if, "needs.pulumi-token.outputs.available == 'true'");
            assert.doesNotMatch(preview.if ?? "", /secrets\./);
            const gate = workflow.jobs["pulumi-token"].steps[0];
            assert.equal(gate.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
            const pulumi = uses("preview", "pulumi/actions");
            assert.equal(pulumi?.uses, "pulumi/actions@v6");
            assert.deepEqual(pulumi?.with, { command: "preview", "stack-name": "${{ matrix.stack }}", policyPacks: "policies" });
            const steps = preview.steps;
            assert.ok(steps.findIndex((step) => step.run === "npm ci") < steps.indexOf(pulumi!), "npm ci does not run first");
        });
    });
});
