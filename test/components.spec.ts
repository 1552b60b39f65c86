import { strict as assert } from "node:assert";

import * as pulumi from "@pulumi/pulumi";

import { recordStack } from "../cli/engine";
import { Node } from "../components/node";
import { Service } from "../components/service";
import { InputError } from "../model/units";
import { loadInventory } from "../stacks/inventory";

type Recorded = pulumi.runtime.MockResourceArgs;

/** Runs `declare` under `setMocks` and returns every resource registered, by name. */
async function declareWithMocks(preview: boolean, declare: () => pulumi.Resource[]): Promise<Map<string, Recorded>> {
    const recorded = new Map<string, Recorded>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                recorded.set(args.name, args);
                return { id: preview ? undefined : `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "bev",
        "thanos",
        preview,
    );
    const resources = declare();
    await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    return recorded;
}

const inventory = loadInventory();
const thanos = inventory.nodes.thanos;

function declareThanos(plan: string): Node[] {
    return [
        new Node("thanos", {
            node: thanos,
            plan,
            services: inventory.plans[plan].filter((s) => s.node === "thanos"),
            dockerHost: "ssh://bev@thanos",
        }),
    ];
}

for (const preview of [true, false]) {
    describe(`components in ${preview ? "preview" : "update"} mode`, () => {
        let recorded: Map<string, Recorded>;

        before(async () => {
            recorded = await declareWithMocks(preview, () => declareThanos("current"));
        });

        it("creates one container per service", () => {
            const containers = [...recorded.values()].filter((r) => r.type === "docker:index/container:Container");
            assert.equal(containers.length, 34);
        });

        it("sets memory in MiB with a reservation and no swap", () => {
            const inputs = recorded.get("elasticsearch")!.inputs;
            assert.equal(inputs.memory, 8192);
            assert.equal(inputs.memoryReservation, 4096);
            assert.equal(inputs.memorySwap, 8192);
        });

        it("sets cpus as Docker's decimal string", () => {
            assert.equal(recorded.get("elasticsearch")!.inputs.cpus, "4");
            assert.equal(recorded.get("osint-correlator")!.inputs.cpus, "0.5");
        });

        it("requests the GPU by device id", () => {
            assert.deepEqual(recorded.get("doc-analyzer-1")!.inputs.deviceRequests, [
                { driver: "nvidia", deviceIds: ["0"], capabilities: ["gpu"] },
            ]);
        });

        it("labels node, service, plan and VRAM budget", () => {
            assert.deepEqual(recorded.get("avatar-system")!.inputs.labels, [
                { label: "bev.node", value: "thanos" },
                { label: "bev.service", value: "avatar-system" },
                { label: "bev.plan", value: "current" },
                { label: "bev.vram-mib.0", value: "6144" },
            ]);
        });

        it("sets network mode and restart policy explicitly", () => {
            const inputs = recorded.get("postgres")!.inputs;
            assert.equal(inputs.networkMode, "bridge");
            assert.equal(inputs.restart, "unless-stopped");
            assert.deepEqual(inputs.networksAdvanced, [{ name: "bev-thanos" }]);
        });

        it("gives containers no GPU request unless asked", () => {
            assert.equal(recorded.get("postgres")!.inputs.deviceRequests, undefined);
        });

        it("points the Docker provider at the node's host", () => {
            assert.equal(recorded.get("thanos-docker")!.inputs.host, "ssh://bev@thanos");
        });
    });
}

describe("component resource options", () => {
    it("replaces containers delete-first", async () => {
        const run = await recordStack(async () => declareThanos("rebalanced"), { project: "bev", stack: "thanos", preview: true });
        const containers = run.resources.filter((r) => r.type === "docker:index/container:Container");
        assert.equal(containers.length, 23);
        assert.deepEqual(
            containers.filter((c) => !c.deleteBeforeReplace).map((c) => c.name),
            [],
        );
    });

    it("uses the node's provider for every container", async () => {
        const run = await recordStack(async () => declareThanos("rebalanced"), { project: "bev", stack: "thanos", preview: true });
        const provider = run.resources.find((r) => r.type === "pulumi:providers:docker")!;
        const containers = run.resources.filter((r) => r.type === "docker:index/container:Container");
        assert.deepEqual(
            containers.filter((c) => !c.provider.startsWith(`${provider.urn}::`)).map((c) => c.name),
            [],
        );
    });
});

describe("Service arguments", () => {
    const valid = { node: "thanos", plan: "current", image: "nginx:1.27", memoryMiB: 512, cpuMillicores: 500, networkName: "bev" };

    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["a fractional memory limit", { memoryMiB: 1.5 }, /Service "web": `memoryMiB`: invalid value 1\.5: expected a whole number of MiB/],
        ["a zero CPU limit", { cpuMillicores: 0 }, /`cpuMillicores`: invalid value 0/],
        ["a reservation above the limit", { memoryReservationMiB: 1024 }, /reservation 1024 MiB is above the limit `memoryMiB` 512 MiB/],
        ["a missing node", { node: "" }, /`node`: missing node/],
        ["count and device ids together", { gpu: { count: 1, deviceIds: ["0"], vramMiB: 512 } }, /either `deviceIds` or `count`/],
        ["a GPU request with neither", { gpu: { vramMiB: 512 } }, /either `deviceIds` or `count`/],
        ["a count without the node's devices", { gpu: { count: 1, vramMiB: 512 } }, /`gpu\.devices`: missing/],
    ];
    for (const [name, change, message] of cases) {
        it(`rejects ${name}`, () => {
            assert.throws(
                () => new Service("web", { ...valid, ...change } as never),
                (error: unknown) => error instanceof InputError && message.test(error.message),
            );
        });
    }
});

describe("Node arguments", () => {
    it("rejects a Docker host without a scheme", () => {
        assert.throws(
            () => new Node("thanos", { node: thanos, plan: "current", services: [], dockerHost: "thanos:2375" }),
            /`dockerHost`: invalid Docker host "thanos:2375": expected unix:\/\/, tcp:\/\/, ssh:\/\/ or npipe:\/\//,
        );
    });

    it("rejects a service placed on another node", () => {
        const starlordService = inventory.plans.rebalanced.find((s) => s.node === "starlord")!;
        assert.throws(
            () => new Node("thanos", { node: thanos, plan: "rebalanced", services: [starlordService], dockerHost: "ssh://bev@thanos" }),
            /is placed on node "starlord", not "thanos"/,
        );
    });
});
