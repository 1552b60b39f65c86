/**
 * Conversion between inventories (stacks/schema.ts) and the planner's problem, and the inventory
 * the planner writes: the nodes and a plan with the new placements.
 */
import { InputError } from "../model/units";
import type { Inventory, RawInventory, RawNode, RawService, ServiceSpec } from "../stacks/schema";
import { Placement, PlannerNode, PlannerService, Problem, Targets } from "./problem";

/** The services to plan and where they came from. */
export interface StartingPoint {
    services: ServiceSpec[];
    /** Description of the starting services for the output, such as `plan current of FILE`. */
    description: string;
    /** Plan to compare the planner's result with, such as the hand-made `rebalanced` plan. */
    comparePlan?: string;
}

/**
 * Chooses the services to plan. With `planName`, that plan's services as they are. Without it,
 * an inventory with plans `current` and `rebalanced` starts from each service at its `rebalanced`
 * limits on its `current` node, so the planner decides the moves that `rebalanced` made by hand.
 * An inventory with a single plan starts from that plan. Throws `InputError` otherwise.
 */
export function chooseStartingPoint(inventory: Inventory, planName?: string): StartingPoint {
    const names = Object.keys(inventory.plans);
    if (planName !== undefined) {
        const services = inventory.plans[planName];
        if (services === undefined) {
            throw new InputError("--plan", `unknown plan "${planName}" in ${inventory.source}: expected one of ${names.join(", ")}`);
        }
        const comparePlan = planName !== "rebalanced" && inventory.plans.rebalanced !== undefined ? "rebalanced" : undefined;
        return {
            services,
            description: `plan ${planName} of ${inventory.source}, with its limits and nodes as written`,
            ...(comparePlan === undefined ? {} : { comparePlan }),
        };
    }
    const current = inventory.plans.current;
    const rebalanced = inventory.plans.rebalanced;
    if (current !== undefined && rebalanced !== undefined) {
        return {
            services: rebalancedLimitsOnCurrentNodes(current, rebalanced),
            description:
                `each service of ${inventory.source} at its \`rebalanced\` limits, on its \`current\` node ` +
                "(the rebalanced plan's limit cuts without its moves)",
            comparePlan: "rebalanced",
        };
    }
    if (names.length === 1) {
        return { services: inventory.plans[names[0]], description: `plan ${names[0]} of ${inventory.source}, as written` };
    }
    throw new InputError(
        "--plan",
        `${inventory.source} has plans ${names.join(", ")} but not both \`current\` and \`rebalanced\`: name the plan to start from`,
    );
}

/**
 * Builds the starting services: the `rebalanced` entry of each service with the node, and the
 * GPU device ids if it has a GPU in both, of its `current` entry. A service only in `rebalanced` starts on its
 * rebalanced node; a service only in `current` is left out, as the rebalanced plan drops it.
 */
export function rebalancedLimitsOnCurrentNodes(current: ServiceSpec[], rebalanced: ServiceSpec[]): ServiceSpec[] {
    const before = new Map(current.map((service) => [service.name, service]));
    return rebalanced.map((service) => {
        const was = before.get(service.name);
        if (was === undefined) {
            return service;
        }
        const start: ServiceSpec = { ...service, node: was.node };
        if (service.gpu !== undefined && was.gpu !== undefined) {
            // The cards it has today; `toProblem` drops ids the node lacks, which makes the service move.
            start.gpu = { deviceIds: was.gpu.deviceIds, vramMiB: service.gpu.vramMiB };
        }
        return start;
    });
}

/** Converts the inventory's nodes and the starting services into a planner problem. */
export function toProblem(inventory: Inventory, services: ServiceSpec[], targets: Targets): Problem {
    const nodes: PlannerNode[] = Object.values(inventory.nodes).map((node) => ({
        name: node.name,
        memoryMiB: node.memoryMiB,
        cpuMillicores: node.cpuMillicores,
        arch: node.arch,
        gpus: node.gpus.map((gpu) => ({ id: gpu.id, vramMiB: gpu.vramMiB })),
    }));
    const plannerServices: PlannerService[] = services.map((service) => {
        const converted: PlannerService = {
            name: service.name,
            node: service.node,
            memoryMiB: service.memoryMiB,
            cpuMillicores: service.cpuMillicores,
        };
        if (service.gpu !== undefined) {
            // `count` resolves to every card of the node (the schema rejects fewer), so the device
            // ids give the number of cards in both forms.
            const ids = service.gpu.deviceIds;
            const node = inventory.nodes[service.node];
            const present = ids.every((id) => node.gpus.some((g) => g.id === id));
            converted.gpu = { cards: ids.length, vramMiB: service.gpu.vramMiB, ...(present ? { deviceIds: ids } : {}) };
        }
        if (service.platforms !== undefined) {
            converted.platforms = service.platforms;
        }
        if (service.pinned === true) {
            converted.pinned = true;
        }
        return converted;
    });
    return { nodes, services: plannerServices, targets };
}

/** Writes a size the way the inventory format takes it: whole GiB as `4g`, else MiB as `1536m`. */
export function formatSize(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024}g` : `${mib}m`;
}

/** Converts the inventory's nodes back to their written form. */
export function rawNodes(inventory: Inventory): Record<string, RawNode> {
    const nodes: Record<string, RawNode> = {};
    for (const node of Object.values(inventory.nodes)) {
        nodes[node.name] = {
            memory: formatSize(node.memoryMiB),
            cpus: node.cpuMillicores / 1000,
            arch: node.arch,
            gpus: node.gpus.map((gpu) => ({ id: gpu.id, model: gpu.model, vram: formatSize(gpu.vramMiB) })),
        };
    }
    return nodes;
}

/**
 * Builds the output inventory: the nodes and one plan, `planName`, with each service on its
 * planned node. A service that stays keeps its GPU request as written; a moved service gets
 * `deviceIds` with the cards the planner chose on its new node.
 */
export function plannedInventory(inventory: Inventory, services: ServiceSpec[], placement: Placement, planName: string): RawInventory {
    const planned: RawService[] = services.map((service, s) => {
        const assignment = placement[s];
        const raw: RawService = {
            name: service.name,
            node: assignment.node,
            image: service.image,
            memory: formatSize(service.memoryMiB),
            cpus: service.cpuMillicores / 1000,
        };
        if (service.memoryReservationMiB !== undefined) {
            raw.memoryReservation = formatSize(service.memoryReservationMiB);
        }
        if (service.gpu !== undefined) {
            const vram = formatSize(service.gpu.vramMiB);
            const stays = assignment.node === service.node;
            if (stays && service.gpu.count !== undefined) {
                raw.gpu = { count: service.gpu.count === -1 ? "all" : service.gpu.count, vram };
            } else {
                raw.gpu = { deviceIds: assignment.deviceIds, vram };
            }
        }
        if (service.platforms !== undefined) {
            raw.platforms = service.platforms;
        }
        if (service.pinned === true) {
            raw.pinned = true;
        }
        if (service.volumes !== undefined) {
            raw.volumes = service.volumes.map((volume) => ({ ...volume }));
        }
        if (service.assumed !== undefined) {
            raw.assumed = service.assumed;
        }
        return raw;
    });
    return { nodes: rawNodes(inventory), plans: { [planName]: planned } };
}
