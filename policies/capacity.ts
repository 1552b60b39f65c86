/**
 * Stack policies that reject a node whose containers are promised more memory, CPU or VRAM than
 * the node physically has. Exactly 100 % fits.
 */
import type { ReportViolation, StackValidationPolicy, StackValidationArgs } from "@pulumi/policy";

import { DimensionKind, NodeCapacity, Overflow, describeOverflow, findOverflows, summarizeNode } from "../model/capacity";
import { NODE_LABEL } from "../model/labels";
import { capacityConfigSchema, resolveNodes } from "./config";
import { ContainerReading, readContainers, toAllocation } from "./containers";

/** Input properties each dimension reads, besides the labels. */
const PROPERTIES: Record<DimensionKind, string[]> = {
    memory: ["memory"],
    cpu: ["cpus"],
    vram: ["deviceRequests", "gpus"],
};

const DIMENSION_NAMES: Record<DimensionKind, string> = { memory: "memory", cpu: "CPU", vram: "VRAM" };

/** Counts the stack's containers per node in one dimension and reports what does not fit. */
export function checkDimension(kind: DimensionKind, policyName: string, args: StackValidationArgs, report: ReportViolation): void {
    const config = resolveNodes(policyName, args.getConfig<{ nodes?: unknown }>());
    if (!config.ok) {
        report(config.message);
        return;
    }
    const containers = readContainers(args.resources);
    const counted = containers.filter((c) => countsIn(kind, c));
    const blocked = reportUncountable(kind, containers, report);

    const byNode = new Map<string, ContainerReading[]>();
    for (const container of counted) {
        if (blocked.has(container.urn)) {
            continue;
        }
        const node = container.node as string;
        if (!config.nodes.has(node)) {
            report(
                `Container ${container.service} (${container.urn}) is labelled ${NODE_LABEL}=${node}, a node the policy config ` +
                    `does not list (known: ${[...config.nodes.keys()].join(", ")}), so its ${DIMENSION_NAMES[kind]} cannot be checked. ` +
                    `Fix the label or add the node to the \`nodes\` config of ${policyName}.`,
                container.urn,
            );
            continue;
        }
        const nodeContainers = byNode.get(node);
        if (nodeContainers === undefined) {
            byNode.set(node, [container]);
        } else {
            nodeContainers.push(container);
        }
    }

    for (const [node, nodeContainers] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
        const usage = summarizeNode(config.nodes.get(node) as NodeCapacity, nodeContainers.map(toAllocation));
        for (const overflow of findOverflows(usage).filter((o: Overflow) => o.kind === kind)) {
            report(describeOverflow(overflow));
        }
    }
}

/** Returns whether the container takes part in the dimension at all. */
function countsIn(kind: DimensionKind, container: ContainerReading): boolean {
    return kind !== "vram" || container.requestsGpu || Object.keys(container.vramMiB).length > 0;
}

/**
 * Reports each unknown or invalid value of the dimension's properties with the container's URN,
 * and the containers without a node label or without the dimension's limit in one violation.
 * Returns the URNs of the containers that cannot be counted.
 */
function reportUncountable(kind: DimensionKind, containers: ContainerReading[], report: ReportViolation): Set<string> {
    const blocked = new Set<string>();
    const missing: string[] = [];
    const missingContainers = new Set<string>();
    for (const container of containers) {
        if (!countsIn(kind, container)) {
            continue;
        }
        for (const problem of container.problems) {
            const relevant = problem.property === "labels" || PROPERTIES[kind].includes(problem.property);
            if (!relevant) {
                continue;
            }
            blocked.add(container.urn);
            if (problem.kind === "missing") {
                missing.push(problem.message);
                missingContainers.add(container.urn);
            } else {
                report(problem.message, container.urn);
            }
        }
        if (container.node === undefined) {
            blocked.add(container.urn);
        }
    }
    if (missing.length > 0) {
        report(
            `Cannot bound the ${DIMENSION_NAMES[kind]} total of the stack: ${missingContainers.size} container(s) ` +
                "lack a node label or a limit and are not counted:\n" +
                missing.map((m) => `  ${m}`).join("\n"),
        );
    }
    return blocked;
}

function capacityPolicy(kind: DimensionKind, name: string, description: string): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        configSchema: capacityConfigSchema(),
        validateStack: (args, report) => checkDimension(kind, name, args, report),
    };
}

export const memoryWithinNodeCapacity = capacityPolicy(
    "memory",
    "memory-within-node-capacity",
    "The memory limits of a node's containers must not sum to more than the node's physical memory.",
);

export const cpuWithinNodeCapacity = capacityPolicy(
    "cpu",
    "cpu-within-node-capacity",
    "The CPU limits (`cpus`) of a node's containers must not sum to more than the node's cores.",
);

export const vramWithinGpuCapacity = capacityPolicy(
    "vram",
    "vram-within-gpu-capacity",
    "The VRAM budgets of the containers sharing a GPU must not sum to more than the card's VRAM.",
);
