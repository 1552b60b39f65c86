/**
 * Node capacities as the pack's config gives them, with the hardware catalog as default.
 *
 * Each capacity policy takes a `nodes` property in the catalog's shape:
 * `{ "thanos": { "memory": "64g", "cpus": 16, "gpus": [{ "id": "0", "vram": "10g" }] } }`.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

import type { NodeCapacity } from "../model/capacity";
import { InputError, parseCpuMillicores, parseSizeMiB } from "../model/units";
import { hardware } from "../stacks/hardware";

/** JSON Schema of the `nodes` property, as the Pulumi CLI validates `--policy-pack-config` with it. */
const nodesSchema: PolicyConfigJSONSchema = {
    type: "object",
    description: "Physical capacity per node: memory as a Docker size (\"64g\"), cores, and each GPU's VRAM.",
    additionalProperties: {
        type: "object",
        properties: {
            memory: { type: "string" },
            cpus: { type: ["number", "string"] },
            arch: { type: "string" },
            gpus: {
                type: "array",
                items: {
                    type: "object",
                    properties: { id: { type: "string" }, model: { type: "string" }, vram: { type: "string" } },
                    required: ["id", "vram"],
                    additionalProperties: false,
                },
            },
        },
        required: ["memory", "cpus"],
        additionalProperties: false,
    },
    default: hardware,
};

/** Config schema of a policy that reads node capacities. */
export function capacityConfigSchema(extra: Record<string, PolicyConfigJSONSchema> = {}): PolicyConfigSchema {
    return {
        properties: { nodes: nodesSchema, ...extra },
    };
}

/** Node capacities by name, or the reason they cannot be used. */
export type NodesConfig = { ok: true; nodes: Map<string, NodeCapacity> } | { ok: false; message: string; error: InputError };

/**
 * Resolves the `nodes` config of a policy, falling back to the hardware catalog when absent.
 * Returns an error message instead of throwing, so the policy can report it as a violation.
 */
export function resolveNodes(policyName: string, config: { nodes?: unknown }): NodesConfig {
    const raw = config.nodes ?? hardware;
    try {
        if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
            throw new InputError(`${policyName}.nodes`, "expected an object of nodes by name");
        }
        const nodes = new Map<string, NodeCapacity>();
        for (const [name, node] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
            const where = `${policyName}.nodes.${name}`;
            const gpus = Array.isArray(node.gpus) ? (node.gpus as Record<string, unknown>[]) : [];
            nodes.set(name, {
                name,
                memoryMiB: parseSizeMiB(node.memory, `${where}.memory`),
                cpuMillicores: parseCpuMillicores(node.cpus, `${where}.cpus`),
                gpus: gpus.map((gpu, index) => ({
                    id: String(gpu.id),
                    model: typeof gpu.model === "string" ? gpu.model : "GPU",
                    vramMiB: parseSizeMiB(gpu.vram, `${where}.gpus[${index}].vram`),
                })),
            });
        }
        return { ok: true, nodes };
    } catch (error) {
        if (error instanceof InputError) {
            return {
                ok: false,
                message: `The policy cannot decide, because its config is invalid: ${error.message}. Fix the policy pack config.`,
                error,
            };
        }
        throw error;
    }
}
