/**
 * The rebalancing problem: nodes with capacities, services with limits and a current node, and
 * headroom targets. Every function here is pure.
 *
 * Units: memory and VRAM in MiB, CPU in millicores, targets in percent of physical capacity.
 */
import { InputError } from "../model/units";

/** One GPU card of a node. */
export interface PlannerGpu {
    /** Device id as the NVIDIA runtime numbers it, such as `"0"`. */
    id: string;
    vramMiB: number;
}

/** A node and what it physically has. */
export interface PlannerNode {
    name: string;
    memoryMiB: number;
    cpuMillicores: number;
    /** CPU architecture, such as `amd64` or `arm64`. */
    arch: string;
    gpus: PlannerGpu[];
}

/** A service's GPU request. */
export interface PlannerGpuRequest {
    /** Number of distinct cards the service needs. */
    cards: number;
    /** VRAM budget on each of its cards, in MiB. */
    vramMiB: number;
    /**
     * Cards the service uses on its current node. Undefined when the current node cannot give it
     * its cards, so the service has to move.
     */
    deviceIds?: string[];
}

/** A service with its limits and the node it runs on now. */
export interface PlannerService {
    name: string;
    /** Node the service runs on before the plan. */
    node: string;
    memoryMiB: number;
    cpuMillicores: number;
    gpu?: PlannerGpuRequest;
    /** Architectures the image is published for; absent means only the current node's. */
    platforms?: string[];
    /** True when the service must stay on its current node. */
    pinned?: boolean;
}

/**
 * Headroom targets in percent of physical capacity: the sums per node (memory, CPU) and per GPU
 * card (VRAM) must stay at or below them. Values are above 0 and at most 100.
 */
export interface Targets {
    memoryPercent: number;
    cpuPercent: number;
    vramPercent: number;
}

/** The 85 % alert line of the platform's monitoring, in every dimension. */
export const DEFAULT_TARGETS: Targets = { memoryPercent: 85, cpuPercent: 85, vramPercent: 85 };

export interface Problem {
    nodes: PlannerNode[];
    services: PlannerService[];
    targets: Targets;
}

/** The node and GPU cards of one service in a placement. */
export interface Assignment {
    node: string;
    /** Device ids of the cards the service uses; empty for a service without a GPU. */
    deviceIds: string[];
}

/** One assignment per service, in the order of `Problem.services`. */
export type Placement = Assignment[];

/** The dimensions the planner checks. */
export type Dimension = "memory" | "cpu" | "vram";

/**
 * The problem with names resolved to indices and targets turned into limits. Built once by
 * `prepareProblem` and shared by the solvers.
 */
export interface PreparedProblem {
    problem: Problem;
    /** Largest memory sum per node within the target, in MiB. */
    memoryLimit: number[];
    /** Largest CPU sum per node within the target, in millicores. */
    cpuLimit: number[];
    /** Largest VRAM sum per card within the target, in MiB, indexed `[node][card]`. */
    cardLimit: number[][];
    /** Index of each service's current node. */
    current: number[];
    /** Card indices each service uses on its current node; undefined when it cannot stay. */
    currentCards: (number[] | undefined)[];
    /** Node indices each service may run on within the targets, its current node first when allowed. */
    allowed: number[][];
}

/** Returns the largest integer amount that is at most `percent` % of `capacity`. */
export function limitOf(capacity: number, percent: number): number {
    // The small epsilon keeps 85 % of 10240 at 8704 despite binary floating point.
    return Math.floor((capacity * percent) / 100 + 1e-9);
}

/**
 * Validates the problem and resolves it into indices and limits. Throws `InputError` naming the
 * service or node for unknown nodes, duplicate names, GPU ids a node lacks and targets outside
 * (0, 100].
 */
export function prepareProblem(problem: Problem): PreparedProblem {
    validateTargets(problem.targets);
    const nodeIndex = new Map<string, number>();
    problem.nodes.forEach((node, index) => {
        if (nodeIndex.has(node.name)) {
            throw new InputError(`nodes.${node.name}`, "duplicate node name");
        }
        nodeIndex.set(node.name, index);
    });
    const names = new Set<string>();
    for (const service of problem.services) {
        if (names.has(service.name)) {
            throw new InputError(`services.${service.name}`, "duplicate service name");
        }
        names.add(service.name);
    }

    const { targets } = problem;
    const memoryLimit = problem.nodes.map((n) => limitOf(n.memoryMiB, targets.memoryPercent));
    const cpuLimit = problem.nodes.map((n) => limitOf(n.cpuMillicores, targets.cpuPercent));
    const cardLimit = problem.nodes.map((n) => n.gpus.map((g) => limitOf(g.vramMiB, targets.vramPercent)));

    const current = problem.services.map((service) => {
        const index = nodeIndex.get(service.node);
        if (index === undefined) {
            throw new InputError(
                `services.${service.name}.node`,
                `unknown node "${service.node}": expected one of ${problem.nodes.map((n) => n.name).join(", ")}`,
            );
        }
        return index;
    });
    const currentCards = problem.services.map((service, s) => resolveCurrentCards(service, problem.nodes[current[s]]));

    const prepared: PreparedProblem = { problem, memoryLimit, cpuLimit, cardLimit, current, currentCards, allowed: [] };
    prepared.allowed = problem.services.map((_, s) => {
        const nodes: number[] = [];
        const home = current[s];
        if (fitsAlone(prepared, s, home)) {
            nodes.push(home);
        }
        if (problem.services[s].pinned !== true) {
            problem.nodes.forEach((_node, n) => {
                if (n !== home && fitsAlone(prepared, s, n)) {
                    nodes.push(n);
                }
            });
        }
        return nodes;
    });
    return prepared;
}

function validateTargets(targets: Targets): void {
    for (const [key, value] of Object.entries(targets)) {
        if (!Number.isFinite(value) || value <= 0 || value > 100) {
            throw new InputError(
                `targets.${key}`,
                `invalid headroom target ${value}: expected a percentage above 0 and at most 100`,
            );
        }
    }
}

function resolveCurrentCards(service: PlannerService, node: PlannerNode): number[] | undefined {
    const gpu = service.gpu;
    if (gpu === undefined || gpu.deviceIds === undefined) {
        return gpu === undefined ? [] : undefined;
    }
    return gpu.deviceIds.map((id) => {
        const index = node.gpus.findIndex((g) => g.id === id);
        if (index < 0) {
            throw new InputError(
                `services.${service.name}.gpu.deviceIds`,
                `GPU "${id}" not found on node ${node.name}: expected one of ${node.gpus.map((g) => `"${g.id}"`).join(", ") || "no GPU"}`,
            );
        }
        return index;
    });
}

/** Returns the architectures a service's image runs on: its `platforms`, or its current node's. */
export function platformsOf(problem: Problem, service: PlannerService): string[] {
    return service.platforms ?? [problem.nodes.find((n) => n.name === service.node)?.arch ?? ""];
}

/** Lists the cards of node `n` on which one card of service `s` fits within the target, alone. */
export function fittingCards(prepared: PreparedProblem, s: number, n: number): number[] {
    const gpu = prepared.problem.services[s].gpu;
    if (gpu === undefined) {
        return [];
    }
    return prepared.cardLimit[n].map((limit, g) => (gpu.vramMiB <= limit ? g : -1)).filter((g) => g >= 0);
}

/**
 * Returns whether service `s` alone fits node `n` within the targets, and may run there: its
 * architecture, its GPU cards and, for the current node, the cards it uses now.
 */
export function fitsAlone(prepared: PreparedProblem, s: number, n: number): boolean {
    const { problem } = prepared;
    const service = problem.services[s];
    const home = prepared.current[s];
    if (n !== home && service.pinned === true) {
        return false;
    }
    const arch = problem.nodes[n].arch;
    if (service.platforms === undefined ? arch !== problem.nodes[home].arch : !service.platforms.includes(arch)) {
        return false;
    }
    if (service.memoryMiB > prepared.memoryLimit[n] || service.cpuMillicores > prepared.cpuLimit[n]) {
        return false;
    }
    const gpu = service.gpu;
    if (gpu === undefined) {
        return true;
    }
    if (n === home) {
        const cards = prepared.currentCards[s];
        return cards !== undefined && cards.every((g) => gpu.vramMiB <= prepared.cardLimit[n][g]);
    }
    let fitting = 0;
    for (const limit of prepared.cardLimit[n]) {
        fitting += gpu.vramMiB <= limit ? 1 : 0;
    }
    return fitting >= gpu.cards;
}

/** Returns why service `s` cannot run on node `n` even alone, or undefined when it can. */
export function whyNotAlone(prepared: PreparedProblem, s: number, n: number): string | undefined {
    const { problem } = prepared;
    const service = problem.services[s];
    const node = problem.nodes[n];
    if (!platformsOf(problem, service).includes(node.arch)) {
        return `its image is not published for ${node.arch}`;
    }
    if (service.pinned === true && n !== prepared.current[s]) {
        return "it is pinned to its current node";
    }

    if (service.memoryMiB > prepared.memoryLimit[n]) {
        return `its memory ${service.memoryMiB} MiB is above the node's target of ${prepared.memoryLimit[n]} MiB`;
    }
    if (service.cpuMillicores > prepared.cpuLimit[n]) {
        return `its CPU ${service.cpuMillicores} millicores is above the node's target of ${prepared.cpuLimit[n]} millicores`;
    }

    const gpu = service.gpu;
    if (gpu === undefined) {
        return undefined;
    }
    if (n === prepared.current[s]) {
        const cards = prepared.currentCards[s];
        if (cards === undefined) {
            return "its GPU request names cards the node lacks";
        }
        const over = cards.find((g) => gpu.vramMiB > prepared.cardLimit[n][g]);
        return over === undefined ? undefined : `its VRAM ${gpu.vramMiB} MiB is above the target of GPU ${node.gpus[over].id}`;
    }

    const fitting = fittingCards(prepared, s, n).length;
    if (fitting < gpu.cards) {
        return node.gpus.length === 0
            ? "the node has no GPU"
            : `the node has ${fitting} card(s) with room for ${gpu.vramMiB} MiB of VRAM within the target, it needs ${gpu.cards}`;
    }
    return undefined;
}

/** Per-node and per-card sums of a placement. */
export interface Usage {
    memoryMiB: number[];
    cpuMillicores: number[];
    /** VRAM per card, indexed `[node][card]`. */
    vramMiB: number[][];
}

/** Sums the memory, CPU and per-card VRAM of a placement. */
export function usageOf(problem: Problem, placement: Placement): Usage {
    const index = new Map(problem.nodes.map((n, i) => [n.name, i]));
    const usage: Usage = {
        memoryMiB: problem.nodes.map(() => 0),
        cpuMillicores: problem.nodes.map(() => 0),
        vramMiB: problem.nodes.map((n) => n.gpus.map(() => 0)),
    };
    placement.forEach((assignment, s) => {
        const n = index.get(assignment.node) as number;
        const service = problem.services[s];
        usage.memoryMiB[n] += service.memoryMiB;
        usage.cpuMillicores[n] += service.cpuMillicores;
        for (const id of assignment.deviceIds) {
            const g = problem.nodes[n].gpus.findIndex((gpu) => gpu.id === id);
            usage.vramMiB[n][g] += service.gpu?.vramMiB ?? 0;
        }
    });
    return usage;
}

/** Returns the placement in which every service stays on its current node and cards. */
export function currentPlacement(problem: Problem): Placement {
    return problem.services.map((service) => ({ node: service.node, deviceIds: service.gpu?.deviceIds ?? [] }));
}

/** Counts the services a placement moves off their current node, and the memory they take along. */
export function countMoves(problem: Problem, placement: Placement): { moves: number; memoryMiB: number } {
    let moves = 0;
    let memoryMiB = 0;
    placement.forEach((assignment, s) => {
        if (assignment.node !== problem.services[s].node) {
            moves += 1;
            memoryMiB += problem.services[s].memoryMiB;
        }
    });
    return { moves, memoryMiB };
}

/**
 * Lists every constraint a placement breaks: a sum above a target, a service on a node it may not
 * run on, a GPU card missing or used twice by one service. Empty means the placement is valid.
 */
export function findViolations(prepared: PreparedProblem, placement: Placement): string[] {
    const { problem } = prepared;
    const violations: string[] = [];
    if (placement.length !== problem.services.length) {
        return [`the placement has ${placement.length} entries for ${problem.services.length} services`];
    }
    const usage = usageOf(problem, placement);
    placement.forEach((assignment, s) => {
        const service = problem.services[s];
        const n = problem.nodes.findIndex((node) => node.name === assignment.node);
        if (n < 0) {
            violations.push(`${service.name} is placed on unknown node ${assignment.node}`);
            return;
        }
        if (!prepared.allowed[s].includes(n)) {
            violations.push(`${service.name} may not run on ${assignment.node}: ${whyNotAlone(prepared, s, n) ?? "not allowed"}`);
        }
        const cards = service.gpu?.cards ?? 0;
        const ids = new Set(assignment.deviceIds);
        if (ids.size !== assignment.deviceIds.length || ids.size !== cards) {
            violations.push(`${service.name} has cards [${assignment.deviceIds.join(", ")}], it needs ${cards} distinct card(s)`);
        }
        if (n === prepared.current[s] && service.gpu?.deviceIds !== undefined) {
            const same = service.gpu.deviceIds.every((id) => ids.has(id));
            if (!same) {
                violations.push(`${service.name} stays on ${assignment.node} but changes cards`);
            }
        }
        for (const id of assignment.deviceIds) {
            if (!problem.nodes[n].gpus.some((g) => g.id === id)) {
                violations.push(`${service.name} uses GPU ${id}, which ${assignment.node} lacks`);
            }
        }
    });
    problem.nodes.forEach((node, n) => {
        if (usage.memoryMiB[n] > prepared.memoryLimit[n]) {
            violations.push(`${node.name} memory ${usage.memoryMiB[n]} MiB is above its target of ${prepared.memoryLimit[n]} MiB`);
        }
        if (usage.cpuMillicores[n] > prepared.cpuLimit[n]) {
            violations.push(`${node.name} CPU ${usage.cpuMillicores[n]} millicores is above its target of ${prepared.cpuLimit[n]}`);
        }
        node.gpus.forEach((gpu, g) => {
            if (usage.vramMiB[n][g] > prepared.cardLimit[n][g]) {
                violations.push(`${node.name} GPU ${gpu.id} VRAM ${usage.vramMiB[n][g]} MiB is above its target of ${prepared.cardLimit[n][g]} MiB`);
            }
        });
    });
    return violations;
}
