import { strict as assert } from "node:assert";

import type { NodeCapacity } from "../model/capacity";
import { findGpuRequestProblems } from "../policies/gpu";

const starlord: NodeCapacity = {
    name: "starlord",
    memoryMiB: 65_536,
    cpuMillicores: 24_000,
    gpus: [{ id: "0", model: "RTX 4090", vramMiB: 24_576 }],
};
const oracle1: NodeCapacity = { name: "oracle1", memoryMiB: 24_576, cpuMillicores: 4_000, gpus: [] };

describe("findGpuRequestProblems", () => {
    it("accepts a device id the node has", () => {
        assert.deepEqual(findGpuRequestProblems(starlord, [{ driver: "nvidia", deviceIds: ["0"], capabilities: ["gpu"] }], undefined, ["0"]), []);
    });

    it("accepts all devices", () => {
        assert.deepEqual(findGpuRequestProblems(starlord, [{ driver: "nvidia", count: -1, capabilities: ["gpu"] }], undefined, ["0"]), []);
    });

    const cases: [string, NodeCapacity, Parameters<typeof findGpuRequestProblems>[1], string | undefined, string[], RegExp][] = [
        ["count and device ids", starlord, [{ count: 1, deviceIds: ["0"], capabilities: ["gpu"] }], undefined, ["0"], /both `count` and `deviceIds`/],
        ["neither count nor ids", starlord, [{ capabilities: ["gpu"] }], undefined, ["0"], /neither `count` nor `deviceIds`.*no GPU at all/],
        ["no gpu capability", starlord, [{ deviceIds: ["0"], capabilities: ["compute"] }], undefined, ["0"], /without the "gpu" capability/],
        ["an unknown device", starlord, [{ deviceIds: ["3"], capabilities: ["gpu"] }], undefined, ["3"], /GPU "3", which node starlord does not have/],
        ["a count above the node's GPUs", starlord, [{ count: 2, capabilities: ["gpu"] }], undefined, ["0"], /requests 2 GPU\(s\) but node starlord has 1/],
        ["a GPU on a node without GPUs", oracle1, [{ count: -1, capabilities: ["gpu"] }], undefined, [], /node oracle1, which has none/],
        ["a budget on a card not requested", starlord, [], "device=0", ["0", "1"], /GPU "1"|budgets VRAM on GPU 1/],
        ["a malformed gpus value", starlord, [], "two", ["0"], /expected "all", "device=<ids>" or a count/],
    ];
    for (const [name, node, requests, gpus, vram, message] of cases) {
        it(`rejects ${name}`, () => {
            const problems = findGpuRequestProblems(node, requests, gpus, vram);
            assert.ok(problems.some((p) => message.test(p)), problems.join("\n") || "no problems found");
        });
    }
});
