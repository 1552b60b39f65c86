/**
 * The hardware catalog of the BEV platform: what each physical node has.
 *
 * Figures from the platform's rebalancing plan. Its "GB" figures are GiB, the unit in which Linux
 * and Docker count memory.
 */
import type { RawNode } from "./schema";

export const hardware: Record<string, RawNode> = {
    thanos: {
        memory: "64g",
        cpus: 16,
        arch: "amd64",
        gpus: [{ id: "0", model: "NVIDIA GeForce RTX 3080", vram: "10g" }],
    },
    oracle1: {
        memory: "24g",
        cpus: 4,
        arch: "arm64",
        gpus: [],
    },
    starlord: {
        memory: "64g",
        cpus: 24,
        arch: "amd64",
        gpus: [{ id: "0", model: "NVIDIA GeForce RTX 4090", vram: "24g" }],
    },
};
