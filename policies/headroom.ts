/**
 * Advisory: a node whose allocations fit but leave little headroom. The platform's plan alerts
 * at 85 % memory; the same line applies to CPU and to each GPU's VRAM unless configured.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

import { NodeCapacity, describeHeadroomBreach, findHeadroomBreaches, summarizeNode } from "../model/capacity";
import { capacityConfigSchema, resolveNodes } from "./config";
import { readContainers, toAllocation } from "./containers";

const DEFAULT_THRESHOLD_PERCENT = 85;

const thresholdSchema: PolicyConfigJSONSchema = {
    type: "number",
    minimum: 1,
    maximum: 100,
    default: DEFAULT_THRESHOLD_PERCENT,
};

interface HeadroomConfig {
    nodes?: unknown;
    memoryPercent?: number;
    cpuPercent?: number;
    vramPercent?: number;
}

export const nodeHeadroom: StackValidationPolicy = {
    name: "node-headroom",
    description: "A node's memory, CPU and VRAM allocations should stay at or below an alert line (85 % by default).",
    enforcementLevel: "advisory",
    configSchema: capacityConfigSchema({
        memoryPercent: { ...thresholdSchema, description: "Alert line for memory, in percent of physical memory." },
        cpuPercent: { ...thresholdSchema, description: "Alert line for CPU limits, in percent of the node's cores." },
        vramPercent: { ...thresholdSchema, description: "Alert line for VRAM budgets, in percent of each card's VRAM." },
    }),
    validateStack: (args, report) => {
        const config = args.getConfig<HeadroomConfig>();
        const nodes = resolveNodes("node-headroom", config);
        if (!nodes.ok) {
            report(nodes.message);
            return;
        }
        const thresholds = {
            memory: config.memoryPercent ?? DEFAULT_THRESHOLD_PERCENT,
            cpu: config.cpuPercent ?? DEFAULT_THRESHOLD_PERCENT,
            vram: config.vramPercent ?? DEFAULT_THRESHOLD_PERCENT,
        };
        const containers = readContainers(args.resources);
        for (const [name, capacity] of nodes.nodes) {
            const allocations = containers.filter((c) => c.node === name).map(toAllocation);
            if (allocations.length === 0) {
                continue;
            }
            const usage = summarizeNode(capacity as NodeCapacity, allocations);
            for (const kind of ["memory", "cpu", "vram"] as const) {
                for (const breach of findHeadroomBreaches(usage, thresholds[kind]).filter((d) => d.kind === kind)) {
                    report(describeHeadroomBreach(breach, thresholds[kind]));
                }
            }
        }
    },
};
