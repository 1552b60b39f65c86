import { strict as assert } from "node:assert";
import * as path from "node:path";

import { AnalyzerInfo, Diagnostic, PolicyPackProcess } from "../cli/analyzer";
import { buildPolicyConfig } from "../cli/offline-check";
import { UNKNOWN, baseResources, container } from "./engine-resources";

const PACK_DIR = path.resolve(__dirname, "..", "..", "policies");
const GiB = 1024;

describe("policy pack over the analyzer protocol", function () {
    let pack: PolicyPackProcess;
    let info: AnalyzerInfo;

    before(async () => {
        pack = await PolicyPackProcess.start(PACK_DIR);
        info = await pack.getAnalyzerInfo();
    });

    after(async () => {
        await pack?.stop();
    });

    async function configure(overrides: Record<string, Record<string, unknown>> = {}) {
        await pack.configure(buildPolicyConfig(info, overrides));
        await pack.configureStack({ project: "bev", stack: "test", dryRun: true });
    }

    async function analyzeStack(containers: ReturnType<typeof container>[]): Promise<Diagnostic[]> {
        return pack.analyzeStack([...baseResources(), ...containers]);
    }

    const mandatory = (diagnostics: Diagnostic[], policy?: string) =>
        diagnostics.filter((d) => d.enforcementLevel === "mandatory" && (policy === undefined || d.policyName === policy));

    describe("GetAnalyzerInfo", () => {
        it("names the pack and its policies with their levels", () => {
            assert.equal(info.name, "bev-capacity");
            assert.deepEqual(
                info.policies.map((p) => [p.name, p.enforcementLevel]),
                [
                    ["memory-within-node-capacity", "mandatory"],
                    ["cpu-within-node-capacity", "mandatory"],
                    ["vram-within-gpu-capacity", "mandatory"],
                    ["gpu-request-valid", "mandatory"],
                    ["container-has-limits", "mandatory"],
                    ["node-headroom", "advisory"],
                    ["no-privileged-containers", "mandatory"],
                    ["no-docker-socket-mount", "mandatory"],
                    ["no-host-namespaces-on-shared-nodes", "mandatory"],
                    ["no-plaintext-secrets", "mandatory"],
                    ["image-pinned", "mandatory"],
                    ["replace-delete-first", "mandatory"],
                    ["network-mode-explicit", "mandatory"],
                ],
            );
        });

        it("defaults the node capacities to the hardware catalog", () => {
            const schema = info.policies[0].configSchema!.properties.nodes as { default: Record<string, { memory: string }> };
            assert.equal(schema.default.thanos.memory, "64g");
            assert.equal(schema.default.oracle1.memory, "24g");
        });
    });

    describe("capacity policies", () => {
        beforeEach(() => configure());

        it("pass a node at exactly 100 %", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "thanos", memory: 48 * GiB, cpus: "12" }),
                container("b", { node: "thanos", memory: 16 * GiB, cpus: "4" }),
            ]);
            assert.deepEqual(mandatory(diagnostics), []);
        });

        it("reject one MiB over with one memory violation", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "thanos", memory: 48 * GiB, cpus: "1" }),
                container("b", { node: "thanos", memory: 16 * GiB + 1, cpus: "1" }),
            ]);
            const violations = mandatory(diagnostics);
            assert.equal(violations.length, 1);
            assert.equal(violations[0].policyName, "memory-within-node-capacity");
            assert.match(violations[0].message, /Node thanos is over capacity in memory/);
            assert.match(violations[0].message, /total 64.00 GiB \(65537 MiB\) against 64.00 GiB physical \(100.0 %\), 0.00 GiB \(1 MiB\) over/);
            assert.match(violations[0].message, /a: 48\.00 GiB \(urn:pulumi:test::bev::docker:index\/container:Container::a\)/);
        });

        it("count nodes separately", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "thanos", memory: 60 * GiB, cpus: "1" }),
                container("b", { node: "oracle1", memory: 20 * GiB, cpus: "1" }),
            ]);
            assert.deepEqual(mandatory(diagnostics), []);
        });

        it("reject CPU limits above the node's cores", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "oracle1", memory: GiB, cpus: "3" }),
                container("b", { node: "oracle1", memory: GiB, cpus: "1.001" }),
            ]);
            const violations = mandatory(diagnostics, "cpu-within-node-capacity");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /CPU limits total 4\.001 cores against 4 cores physical \(100\.0 %\), 0\.001 cores over/);
        });

        it("sum VRAM budgets per GPU", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "thanos", memory: GiB, cpus: "1", gpu: true, vram: { "0": "6144" } }),
                container("b", { node: "thanos", memory: GiB, cpus: "1", gpu: true, vram: { "0": "5120" } }),
            ]);
            const violations = mandatory(diagnostics, "vram-within-gpu-capacity");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /VRAM of GPU 0 \(NVIDIA GeForce RTX 3080\).*11\.00 GiB against 10\.00 GiB/);
        });

        it("reject a GPU container without a VRAM budget", async () => {
            const diagnostics = await analyzeStack([container("a", { node: "thanos", memory: GiB, cpus: "1", gpu: true })]);
            const violations = mandatory(diagnostics, "vram-within-gpu-capacity");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /requests a GPU but has no `bev\.vram-mib\.<device id>` label/);
        });

        it("reject a node the config does not list", async () => {
            const diagnostics = await analyzeStack([container("a", { node: "thor", memory: GiB, cpus: "1" })]);
            const violations = mandatory(diagnostics, "memory-within-node-capacity");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /labelled bev\.node=thor, a node the policy config does not list/);
            assert.equal(violations[0].urn, "urn:pulumi:test::bev::docker:index/container:Container::a");
        });
    });

    describe("gpu-request-valid", () => {
        beforeEach(() => configure());

        it("rejects a GPU the node does not have", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "thanos", memory: GiB, cpus: "1", gpu: true, vram: { "1": "1024" } }),
            ]);
            const violations = mandatory(diagnostics, "gpu-request-valid");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /requests GPU "1", which node thanos does not have \(its GPUs: 0\)/);
        });

        it("rejects a GPU request on a node without GPUs", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "oracle1", memory: GiB, cpus: "1", extra: { gpus: "all" }, vram: { "0": "1024" } }),
            ]);
            const messages = mandatory(diagnostics, "gpu-request-valid").map((v) => v.message);
            assert.ok(messages.some((m) => /requests a GPU on node oracle1, which has none/.test(m)), messages.join("\n"));
        });

        it("accepts the components' request", async () => {
            const diagnostics = await analyzeStack([
                container("a", { node: "thanos", memory: GiB, cpus: "1", gpu: true, vram: { "0": "1024" } }),
            ]);
            assert.deepEqual(mandatory(diagnostics, "gpu-request-valid"), []);
        });
    });

    describe("a hand-written container without limits", () => {
        const bare = () => container("handmade", { extra: { cpuShares: 512 } });

        beforeEach(() => configure());

        it("is rejected by container-has-limits for each missing item", async () => {
            const diagnostics = await pack.analyze(bare());
            const violations = mandatory(diagnostics, "container-has-limits");
            assert.equal(violations.length, 3);
            assert.match(violations[0].message, /no `bev\.node` label/);
            assert.match(violations[1].message, /no memory limit, so it can take all of its node's memory/);
            assert.match(violations[2].message, /no CPU limit, so it can take all of its node.s cores \(`cpuShares` is only a relative weight\)/);
        });

        it("keeps the memory and CPU totals from passing", async () => {
            const diagnostics = await analyzeStack([bare()]);
            assert.equal(mandatory(diagnostics, "memory-within-node-capacity").length, 1);
            assert.equal(mandatory(diagnostics, "cpu-within-node-capacity").length, 1);
            assert.match(mandatory(diagnostics, "memory-within-node-capacity")[0].message, /Cannot bound the memory total/);
        });
    });

    describe("unknown values during preview", () => {
        beforeEach(() => configure());

        it("fail the memory policy closed, naming resource and property", async () => {
            const diagnostics = await analyzeStack([container("late", { node: "thanos", memory: UNKNOWN, cpus: "1" })]);
            const violations = mandatory(diagnostics, "memory-within-node-capacity");
            assert.equal(violations.length, 1);
            assert.equal(violations[0].urn, "urn:pulumi:test::bev::docker:index/container:Container::late");
            assert.match(violations[0].message, /cannot verify `memory`, because its value is unknown during preview/);
        });

        it("fail container-has-limits closed", async () => {
            const diagnostics = await pack.analyze(container("late", { node: "thanos", memory: UNKNOWN, cpus: "1" }));
            const violations = mandatory(diagnostics, "container-has-limits");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /cannot verify `memory`/);
        });

        it("leave no advisory skip behind", async () => {
            const diagnostics = await analyzeStack([container("late", { node: "thanos", memory: UNKNOWN, cpus: UNKNOWN })]);
            assert.deepEqual(
                diagnostics.filter((d) => /can't run policy/.test(d.message)).map((d) => d.policyName),
                [],
            );
        });

        it("fail every node policy closed on unknown labels", async () => {
            const diagnostics = await analyzeStack([container("late", { memory: GiB, cpus: "1", labels: UNKNOWN, gpu: true })]);
            for (const policy of [
                "memory-within-node-capacity",
                "cpu-within-node-capacity",
                "vram-within-gpu-capacity",
                "gpu-request-valid",
            ]) {
                assert.equal(mandatory(diagnostics, policy).length, 1, policy);
                assert.match(mandatory(diagnostics, policy)[0].message, /cannot verify `labels`/);
            }
        });
    });

    describe("pack config", () => {
        it("takes node capacities from the config", async () => {
            await configure({ "memory-within-node-capacity": { nodes: { thanos: { memory: "128g", cpus: 16 } } } });
            const diagnostics = await analyzeStack([container("a", { node: "thanos", memory: 100 * GiB, cpus: "1" })]);
            assert.deepEqual(mandatory(diagnostics, "memory-within-node-capacity"), []);
        });

        it("fails closed on an invalid capacity", async () => {
            await configure({ "memory-within-node-capacity": { nodes: { thanos: { memory: "lots", cpus: 16 } } } });
            const diagnostics = await analyzeStack([container("a", { node: "thanos", memory: GiB, cpus: "1" })]);
            const violations = mandatory(diagnostics, "memory-within-node-capacity");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /config is invalid: memory-within-node-capacity\.nodes\.thanos\.memory: invalid size "lots"/);
        });

        it("warns above the headroom line", async () => {
            await configure();
            const diagnostics = await analyzeStack([container("a", { node: "thanos", memory: 55 * GiB, cpus: "1" })]);
            const advisories = diagnostics.filter((d) => d.policyName === "node-headroom");
            assert.equal(advisories.length, 1);
            assert.equal(advisories[0].enforcementLevel, "advisory");
            assert.match(advisories[0].message, /55\.00 GiB of 64\.00 GiB \(85\.9 %\) is above the 85 % alert line/);
        });

        it("takes the headroom line from the config", async () => {
            await configure({ "node-headroom": { memoryPercent: 90 } });
            const diagnostics = await analyzeStack([container("a", { node: "thanos", memory: 55 * GiB, cpus: "1" })]);
            assert.deepEqual(diagnostics.filter((d) => d.policyName === "node-headroom"), []);
        });
    });
});
