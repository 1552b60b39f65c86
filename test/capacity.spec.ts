import { strict as assert } from "node:assert";

import {
    Allocation,
    NodeCapacity,
    describeOverflow,
    findHeadroomBreaches,
    findOverflows,
    summarizeNode,
} from "../model/capacity";

const node: NodeCapacity = {
    name: "thanos",
    memoryMiB: 65_536,
    cpuMillicores: 16_000,
    gpus: [{ id: "0", model: "RTX 3080", vramMiB: 10_240 }],
};

function allocation(service: string, memoryMiB: number, cpuMillicores: number, vramMiB: Record<string, number> = {}): Allocation {
    return { urn: `urn:${service}`, service, memoryMiB, cpuMillicores, vramMiB };
}

describe("summarizeNode", () => {
    it("sums memory, CPU and VRAM per device", () => {
        const usage = summarizeNode(node, [allocation("a", 1024, 500, { "0": 2048 }), allocation("b", 2048, 1500, { "0": 1024 })]);
        assert.equal(usage.memory.requested, 3072);
        assert.equal(usage.cpu.requested, 2000);
        assert.equal(usage.vram.length, 1);
        assert.equal(usage.vram[0].requested, 3072);
        assert.equal(usage.containers, 2);
    });

    it("lists contributors largest first", () => {
        const usage = summarizeNode(node, [allocation("small", 512, 100), allocation("large", 4096, 100), allocation("mid", 1024, 100)]);
        assert.deepEqual(
            usage.memory.contributors.map((c) => c.service),
            ["large", "mid", "small"],
        );
    });

    it("gives a device the node lacks zero capacity", () => {
        const usage = summarizeNode(node, [allocation("a", 512, 100, { "3": 1024 })]);
        const missing = usage.vram.find((d) => d.device === "3");
        assert.ok(missing);
        assert.equal(missing.capacity, 0);
        assert.equal(findOverflows(usage).length, 1);
    });
});

describe("findOverflows", () => {
    it("fits at exactly 100 %", () => {
        const usage = summarizeNode(node, [allocation("a", 65_536, 16_000, { "0": 10_240 })]);
        assert.deepEqual(findOverflows(usage), []);
    });

    it("reports one MiB over", () => {
        const usage = summarizeNode(node, [allocation("a", 65_536, 1000), allocation("b", 1, 1000)]);
        const overflows = findOverflows(usage);
        assert.equal(overflows.length, 1);
        assert.equal(overflows[0].kind, "memory");
        assert.equal(overflows[0].overflow, 1);
    });

    it("reports one violation per exhausted dimension", () => {
        const usage = summarizeNode(node, [allocation("a", 70_000, 17_000, { "0": 11_000 })]);
        assert.deepEqual(
            findOverflows(usage).map((o) => o.kind),
            ["memory", "cpu", "vram"],
        );
    });
});

describe("describeOverflow", () => {
    it("names node, requested, capacity, percent, overflow and contributors", () => {
        const usage = summarizeNode(node, [allocation("elasticsearch", 98_304, 1000), allocation("neo4j", 4096, 1000)]);
        const message = describeOverflow(findOverflows(usage)[0]);
        assert.match(message, /Node thanos is over capacity in memory/);
        assert.match(message, /total 100\.00 GiB against 64\.00 GiB physical \(156\.3 %\), 36\.00 GiB over/);
        assert.match(message, /elasticsearch: 96\.00 GiB \(urn:elasticsearch\)/);
    });
});

describe("findHeadroomBreaches", () => {
    it("flags 55 of 64 GiB against an 85 % line", () => {
        const usage = summarizeNode(node, [allocation("a", 56_320, 1000)]);
        const breaches = findHeadroomBreaches(usage, 85);
        assert.equal(breaches.length, 1);
        assert.equal(breaches[0].percent, 85.9);
    });

    it("does not flag exactly 85 %", () => {
        const usage = summarizeNode(node, [allocation("a", 1000, 13_600)]);
        assert.deepEqual(findHeadroomBreaches(usage, 85), []);
    });

    it("leaves overflows to findOverflows", () => {
        const usage = summarizeNode(node, [allocation("a", 70_000, 1000)]);
        assert.deepEqual(findHeadroomBreaches(usage, 85), []);
    });
});
