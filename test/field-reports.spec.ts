/**
 * Public bug reports about the Docker provider and Docker's units, each turned into a check of
 * what the program declares and what the pack rejects. The program runs under the recording
 * monitor, so the values are the ones the engine would receive.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";

import { AnalyzerInfo, PolicyPackProcess } from "../cli/analyzer";
import { RecordedResource, runProgram } from "../cli/engine";
import { buildPolicyConfig } from "../cli/offline-check";
import { parseSizeMiB } from "../model/units";
import { parseImageReference } from "../policies/security";
import { container } from "./engine-resources";

const ROOT = path.resolve(__dirname, "..", "..");
const PROGRAM = path.join(ROOT, "dist", "index.js");
const PACK_DIR = path.join(ROOT, "policies");
const CONTAINER = "docker:index/container:Container";

/** Returns one input of a recorded resource as plain JavaScript. */
function input(resource: RecordedResource, key: string): unknown {
    return resource.inputs.toJavaScript()[key];
}

async function declareStack(stack: string, plan: string): Promise<RecordedResource[]> {
    const run = await runProgram({
        program: PROGRAM,
        project: "bev",
        stack,
        config: { "bev:node": stack, "bev:plan": plan, "bev:dockerHost": `ssh://bev@${stack}` },
        preview: true,
    });
    return run.resources.filter((r) => r.type === CONTAINER);
}

describe("public Docker provider reports", function () {
    let containers: RecordedResource[];
    let pack: PolicyPackProcess;
    let info: AnalyzerInfo;

    before(async () => {
        containers = [];
        for (const stack of ["thanos", "oracle1", "starlord"]) {
            containers.push(...(await declareStack(stack, "rebalanced")));
        }
        pack = await PolicyPackProcess.start(PACK_DIR);
        info = await pack.getAnalyzerInfo();
        await pack.configure(buildPolicyConfig(info, {}));
        await pack.configureStack({ project: "bev", stack: "test", dryRun: true });
    });

    after(async () => {
        await pack?.stop();
    });

    const limited = { node: "thanos", memory: 512, cpus: "0.5" };

    async function mandatoryOf(policy: string, resource: RecordedResource): Promise<string[]> {
        const diagnostics = await pack.analyze(resource);
        return diagnostics.filter((d) => d.policyName === policy && d.enforcementLevel === "mandatory").map((d) => d.message);
    }

    describe("an unset networkMode diffs to bridge on every run", () => {
        it("sets networkMode bridge on every declared container", () => {
            assert.equal(containers.length, 85);
            for (const resource of containers) {
                assert.equal(input(resource, "networkMode"), "bridge", resource.urn);
            }
        });

        it("rejects a container that leaves it unset", async () => {
            const unset = container("web", limited);
            unset.inputs.getFieldsMap().del("networkMode");
            assert.equal((await mandatoryOf("network-mode-explicit", unset)).length, 1);
        });
    });

    describe("an image named by tag and digest is replaced on every deploy", () => {
        it("names every declared image by tag alone", () => {
            for (const resource of containers) {
                const reference = parseImageReference(String(input(resource, "image")));
                assert.equal(reference.digest, undefined, resource.urn);
                assert.notEqual(reference.tag, undefined, resource.urn);
                assert.notEqual(reference.tag, "latest", resource.urn);
            }
        });

        it("rejects tag plus digest", async () => {
            const both = container("web", { ...limited, extra: { image: `nginx:1.27.2@sha256:${"0".repeat(64)}` } });
            const messages = await mandatoryOf("image-pinned", both);
            assert.equal(messages.length, 1);
            assert.match(messages[0], /replaces the container on every deploy/);
        });
    });

    describe("a create-first replacement holds memory and the GPU twice", () => {
        it("replaces every GPU container delete-first", () => {
            const gpuContainers = containers.filter((r) => Array.isArray(input(r, "deviceRequests")));
            assert.equal(gpuContainers.length, 10);
            for (const resource of gpuContainers) {
                assert.equal(resource.deleteBeforeReplace, true, resource.urn);
            }
        });

        it("rejects a GPU container replaced create-first", async () => {
            const gpu = container("llm", { ...limited, gpu: true, vram: { "0": "1536" }, options: { deleteBeforeReplace: false } });
            assert.equal((await mandatoryOf("replace-delete-first", gpu)).length, 1);
        });
    });

    describe("label edits forced failing replacements", () => {
        it("gives every container a fixed name and delete-first replacement", () => {
            for (const resource of containers) {
                assert.equal(input(resource, "name"), resource.name, resource.urn);
                assert.equal(resource.deleteBeforeReplace, true, resource.urn);
                assert.deepEqual(resource.ignoreChanges, [], resource.urn);
            }
        });

        it("changes only labels and limits between plans", async () => {
            const current = new Map((await declareStack("thanos", "current")).map((r) => [r.name, r]));
            const rebalanced = (await declareStack("thanos", "rebalanced")).filter((r) => current.has(r.name));
            const changed = new Set<string>();
            for (const resource of rebalanced) {
                const before = current.get(resource.name)!.inputs.toJavaScript();
                const after = resource.inputs.toJavaScript();
                for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
                    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
                        changed.add(key);
                    }
                }
            }
            assert.deepEqual([...changed].sort(), ["cpus", "labels", "memory", "memoryReservation", "memorySwap"]);
        });

        it("rejects a named container replaced create-first", async () => {
            const named = container("web", { ...limited, options: { deleteBeforeReplace: false } });
            const messages = await mandatoryOf("replace-delete-first", named);
            assert.equal(messages.length, 1);
            assert.match(messages[0], /fixed name "web"/);
        });
    });

    describe("compose sizes that failed to parse", () => {
        it("reads 3G as 3072 MiB", () => {
            assert.equal(parseSizeMiB("3G", "memory"), 3072);
        });

        it("reads 2GB as 2048 MiB", () => {
            assert.equal(parseSizeMiB("2GB", "memory"), 2048);
        });

        it("rejects 2GB with a trailing space", () => {
            assert.throws(() => parseSizeMiB("2GB ", "memory"), /invalid size "2GB ": remove the whitespace/);
        });
    });
});
