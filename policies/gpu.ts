/**
 * GPU requests checked as the NVIDIA container runtime would treat them: a request the runtime
 * rejects fails the container at start, and some malformed requests start it with no GPU at all.
 */
import type { StackValidationPolicy } from "@pulumi/policy";

import type { NodeCapacity } from "../model/capacity";
import { NODE_LABEL, VRAM_LABEL_PREFIX } from "../model/labels";
import { capacityConfigSchema, resolveNodes } from "./config";
import { DeviceRequest, readContainers } from "./containers";

/** Input properties that a GPU request is read from. */
const GPU_PROPERTIES = ["deviceRequests", "gpus", "labels"];

/**
 * Lists what is wrong with one container's GPU request on `node`, as whole sentences.
 * `gpus` is Docker's `--gpus` form (`all`, `device=0,2` or a count), `deviceRequests` the API form.
 */
export function findGpuRequestProblems(
    node: NodeCapacity,
    deviceRequests: DeviceRequest[],
    gpus: string | undefined,
    vramDevices: string[],
): string[] {
    const problems: string[] = [];
    const known = new Set(node.gpus.map((g) => g.id));
    const requested = new Set<string>();
    const requestsGpu = deviceRequests.length > 0 || (gpus !== undefined && gpus !== "");

    const checkIds = (ids: string[]) => {
        for (const id of ids) {
            if (!known.has(id)) {
                problems.push(
                    `requests GPU ${JSON.stringify(id)}, which node ${node.name} does not have ` +
                        `(its GPUs: ${known.size === 0 ? "none" : [...known].join(", ")}), so the container fails to start.`,
                );
            }
            requested.add(id);
        }
    };
    const checkCount = (count: number) => {
        if (count === -1) {
            node.gpus.forEach((g) => requested.add(g.id));
        } else if (!Number.isInteger(count) || count < 1) {
            problems.push(`requests ${count} GPUs; expected 1 or more, or -1 for all.`);
        } else if (count > node.gpus.length) {
            problems.push(
                `requests ${count} GPU(s) but node ${node.name} has ${node.gpus.length}, so the container fails to start.`,
            );
        } else {
            // NOTE: the runtime picks which cards a count gets. Counting the first ones is exact only
            // when the count equals the node's GPUs, so the inventory requires device ids otherwise.
            node.gpus.slice(0, count).forEach((g) => requested.add(g.id));
        }
    };

    for (const request of deviceRequests) {
        const hasCount = request.count !== undefined && request.count !== 0;
        const hasIds = request.deviceIds !== undefined && request.deviceIds.length > 0;
        if (hasCount && hasIds) {
            problems.push("sets both `count` and `deviceIds` in one device request; Docker rejects the container.");
            continue;
        }
        if (!hasCount && !hasIds) {
            problems.push("sets neither `count` nor `deviceIds` in a device request, which has been seen to give no GPU at all.");
            continue;
        }
        if (!(request.capabilities ?? []).includes("gpu")) {
            problems.push('has a device request without the "gpu" capability, so the NVIDIA runtime gives it no GPU.');
        }
        if (hasIds) {
            checkIds(request.deviceIds!);
        } else {
            checkCount(request.count!);
        }
    }

    if (gpus !== undefined && gpus !== "") {
        if (gpus === "all") {
            node.gpus.forEach((g) => requested.add(g.id));
        } else if (/^device=/.test(gpus)) {
            checkIds(gpus.slice("device=".length).split(","));
        } else if (/^\d+$/.test(gpus)) {
            checkCount(Number(gpus));
        } else {
            problems.push(`has \`gpus\` ${JSON.stringify(gpus)}; expected "all", "device=<ids>" or a count.`);
        }
    }

    if (requestsGpu && node.gpus.length === 0) {
        problems.push(`requests a GPU on node ${node.name}, which has none, so the container fails to start.`);
    }
    for (const id of vramDevices) {
        if (!requested.has(id)) {
            problems.push(`budgets VRAM on GPU ${id} but does not request that GPU; request it or remove the budget.`);
        }
    }
    // A container with no budget at all is reported by vram-within-gpu-capacity, so this reports partial budgets.
    for (const id of requested) {
        if (vramDevices.length > 0 && known.has(id) && !vramDevices.includes(id)) {
            problems.push(`gets GPU ${id} without a VRAM budget for it; add the label ${VRAM_LABEL_PREFIX}${id}.`);
        }
    }
    return problems;
}

export const gpuRequestValid: StackValidationPolicy = {
    name: "gpu-request-valid",
    description: "A container's GPU request must name GPUs its node has, with the gpu capability and a VRAM budget per card.",
    enforcementLevel: "mandatory",
    configSchema: capacityConfigSchema(),
    validateStack: (args, report) => {
        const nodes = resolveNodes("gpu-request-valid", args.getConfig<{ nodes?: unknown }>());
        if (!nodes.ok) {
            report(nodes.message);
            return;
        }
        for (const container of readContainers(args.resources)) {
            if (!container.requestsGpu) {
                continue;
            }
            const unknown = container.problems.filter((p) => p.kind === "unknown" && GPU_PROPERTIES.includes(p.property));
            if (unknown.length > 0) {
                unknown.forEach((problem) => report(problem.message, container.urn));
                continue;
            }
            const what = `Container ${container.service} (${container.urn})`;
            const node = container.node === undefined ? undefined : nodes.nodes.get(container.node);
            if (node === undefined) {
                report(
                    `${what}: requests a GPU but its ${NODE_LABEL} label (${container.node ?? "missing"}) names no node ` +
                        "of the policy config, so the request cannot be checked.",
                    container.urn,
                );
                continue;
            }
            const problems = findGpuRequestProblems(node, container.deviceRequests, container.gpus, Object.keys(container.vramMiB));
            for (const problem of problems) {
                report(`${what} ${problem}`, container.urn);
            }
        }
    },
};
