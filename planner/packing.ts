/**
 * Packing from an empty placement: assign every service to a node within the targets, using as
 * few nodes as possible (multi-dimensional bin packing over memory, CPU and per-card VRAM). The
 * benchmark uses it to judge the heuristics at scale against a lower bound.
 *
 * - `packFirstFitDecreasing`: services by memory, largest first, each on the first node where it fits.
 * - `packBestFit`: services by the sum of their amounts as fractions of a node's targets, largest
 *   first, each on the open node it leaves with the least room summed over dimensions. A local
 *   search then empties the least loaded nodes into the others.
 * - `packingLowerBound`: per dimension, the fewest nodes whose targets add up to the total demand.
 */
import { PlannerNode, Targets, limitOf } from "./problem";

/** A service to pack: its amounts and the architectures its image runs on. */
export interface PackService {
    name: string;
    memoryMiB: number;
    cpuMillicores: number;
    gpu?: { cards: number; vramMiB: number };
    platforms: string[];
}

export interface PackingInput {
    nodes: PlannerNode[];
    services: PackService[];
    targets: Targets;
}

export interface PackingResult {
    /** Node index per service, or -1 for a service that fit no node. */
    node: Int32Array;
    /** Card indices per GPU service on its node. */
    cards: number[][];
    nodesUsed: number;
    unplaced: number;
}

/** Running sums per node and card, with the target limits. */
class Bins {
    readonly memoryLimit: number[];
    readonly cpuLimit: number[];
    readonly cardLimit: number[][];
    readonly memory: Float64Array;
    readonly cpu: Float64Array;
    readonly vram: number[][];
    readonly count: Int32Array;
    readonly node: Int32Array;
    readonly cards: number[][];

    constructor(readonly input: PackingInput) {
        const { nodes, targets, services } = input;
        this.memoryLimit = nodes.map((n) => limitOf(n.memoryMiB, targets.memoryPercent));
        this.cpuLimit = nodes.map((n) => limitOf(n.cpuMillicores, targets.cpuPercent));
        this.cardLimit = nodes.map((n) => n.gpus.map((g) => limitOf(g.vramMiB, targets.vramPercent)));
        this.memory = new Float64Array(nodes.length);
        this.cpu = new Float64Array(nodes.length);
        this.vram = nodes.map((n) => n.gpus.map(() => 0));
        this.count = new Int32Array(nodes.length);
        this.node = new Int32Array(services.length).fill(-1);
        this.cards = services.map(() => []);
    }

    /** Returns the cards service `s` gets on node `n` if it fits now, else undefined. */
    cardsIfFits(s: number, n: number): number[] | undefined {
        const service = this.input.services[s];
        if (this.memory[n] + service.memoryMiB > this.memoryLimit[n] || this.cpu[n] + service.cpuMillicores > this.cpuLimit[n]) {
            return undefined;
        }
        if (!service.platforms.includes(this.input.nodes[n].arch)) {
            return undefined;
        }
        const gpu = service.gpu;
        if (gpu === undefined) {
            return [];
        }
        const chosen: number[] = [];
        const limits = this.cardLimit[n];
        for (let g = 0; g < limits.length && chosen.length < gpu.cards; g++) {
            if (this.vram[n][g] + gpu.vramMiB <= limits[g]) {
                chosen.push(g);
            }
        }
        return chosen.length === gpu.cards ? chosen : undefined;
    }

    place(s: number, n: number, cards: number[]): void {
        const service = this.input.services[s];
        this.memory[n] += service.memoryMiB;
        this.cpu[n] += service.cpuMillicores;
        for (const g of cards) {
            this.vram[n][g] += service.gpu?.vramMiB ?? 0;
        }
        this.count[n] += 1;
        this.node[s] = n;
        this.cards[s] = cards;
    }

    remove(s: number): void {
        const n = this.node[s];
        const service = this.input.services[s];
        this.memory[n] -= service.memoryMiB;
        this.cpu[n] -= service.cpuMillicores;
        for (const g of this.cards[s]) {
            this.vram[n][g] -= service.gpu?.vramMiB ?? 0;
        }
        this.count[n] -= 1;
        this.node[s] = -1;
        this.cards[s] = [];
    }

    /**
     * Room left on node `n` after service `s`, summed over dimensions as fractions of the targets.
     * The service's VRAM is counted against the first card's target, exact for nodes whose cards
     * are alike.
     */
    roomAfter(s: number, n: number): number {
        const service = this.input.services[s];
        let room = (this.memoryLimit[n] - this.memory[n] - service.memoryMiB) / this.memoryLimit[n];
        room += (this.cpuLimit[n] - this.cpu[n] - service.cpuMillicores) / this.cpuLimit[n];
        const limits = this.cardLimit[n];
        for (let g = 0; g < limits.length; g++) {
            room += (limits[g] - this.vram[n][g]) / limits[g];
        }
        return room - ((service.gpu?.vramMiB ?? 0) * (service.gpu?.cards ?? 0)) / (limits[0] ?? 1);
    }

    /** Highest fraction of a target that node `n` uses. */
    load(n: number): number {
        let load = Math.max(this.memory[n] / this.memoryLimit[n], this.cpu[n] / this.cpuLimit[n]);
        this.vram[n].forEach((used, g) => {
            load = Math.max(load, used / this.cardLimit[n][g]);
        });
        return load;
    }

    result(): PackingResult {
        let nodesUsed = 0;
        for (const count of this.count) {
            nodesUsed += count > 0 ? 1 : 0;
        }
        let unplaced = 0;
        for (const n of this.node) {
            unplaced += n < 0 ? 1 : 0;
        }
        return { node: this.node, cards: this.cards, nodesUsed, unplaced };
    }
}

/** Plain first-fit decreasing by memory, nodes tried in input order. */
export function packFirstFitDecreasing(input: PackingInput): PackingResult {
    const bins = new Bins(input);
    const order = input.services.map((_, s) => s).sort((a, b) => input.services[b].memoryMiB - input.services[a].memoryMiB);
    for (const s of order) {
        for (let n = 0; n < input.nodes.length; n++) {
            const cards = bins.cardsIfFits(s, n);
            if (cards !== undefined) {
                bins.place(s, n, cards);
                break;
            }
        }
    }
    return bins.result();
}

/** Sum of a service's amounts as fractions of the first node's targets, for sorting. */
function sizeOf(bins: Bins, s: number): number {
    const service = bins.input.services[s];
    const card = bins.cardLimit[0]?.[0] ?? 1;
    return (
        service.memoryMiB / bins.memoryLimit[0] +
        service.cpuMillicores / bins.cpuLimit[0] +
        ((service.gpu?.vramMiB ?? 0) * (service.gpu?.cards ?? 0)) / card
    );
}

export interface BestFitOptions {
    /** Wall-clock budget for the local search, in milliseconds. */
    timeBudgetMs: number;
}

/**
 * Best-fit decreasing with a local search. Opens nodes in input order, only when a service fits
 * no open node, and then tries to empty the least loaded open nodes into the others.
 */
export function packBestFit(input: PackingInput, options: BestFitOptions): PackingResult {
    const bins = new Bins(input);
    const sizes = input.services.map((_, s) => sizeOf(bins, s));
    const order = input.services.map((_, s) => s).sort((a, b) => sizes[b] - sizes[a]);
    const open: number[] = [];
    let nextClosed = 0;
    for (const s of order) {
        const target = bestOpenNode(bins, s, open, -1);
        if (target !== undefined) {
            bins.place(s, target.node, target.cards);
            continue;
        }
        for (let n = nextClosed; n < input.nodes.length; n++) {
            if (bins.count[n] > 0) {
                continue;
            }
            const cards = bins.cardsIfFits(s, n);
            if (cards !== undefined) {
                bins.place(s, n, cards);
                open.push(n);
                if (n === nextClosed) {
                    nextClosed += 1;
                }
                break;
            }
        }
    }
    emptyLightNodes(bins, open, Date.now() + options.timeBudgetMs);
    return bins.result();
}

function bestOpenNode(bins: Bins, s: number, open: number[], skip: number): { node: number; cards: number[] } | undefined {
    let best: { node: number; cards: number[] } | undefined;
    let bestRoom = Infinity;
    for (const n of open) {
        if (n === skip || bins.count[n] === 0) {
            continue;
        }
        const cards = bins.cardsIfFits(s, n);
        if (cards === undefined) {
            continue;
        }
        const room = bins.roomAfter(s, n);
        if (room < bestRoom) {
            bestRoom = room;
            best = { node: n, cards };
        }
    }
    return best;
}

/**
 * Tries to move every service of each open node, least loaded first, into the other open nodes.
 * A node whose services all find room is closed; otherwise its services go back. Repeats while
 * a pass closes a node and the deadline has not passed.
 */
function emptyLightNodes(bins: Bins, open: number[], deadline: number): void {
    const byNode = new Map<number, number[]>();
    bins.node.forEach((n, s) => {
        if (n >= 0) {
            byNode.set(n, [...(byNode.get(n) ?? []), s]);
        }
    });
    let closed = true;
    while (closed && Date.now() < deadline) {
        closed = false;
        const candidates = open.filter((n) => bins.count[n] > 0).sort((a, b) => bins.load(a) - bins.load(b));
        for (const n of candidates) {
            if (Date.now() >= deadline) {
                return;
            }
            const services = byNode.get(n) ?? [];
            const moved: { s: number; cards: number[] }[] = [];
            let ok = true;
            for (const s of [...services].sort((a, b) => sizeOf(bins, b) - sizeOf(bins, a))) {
                const cards = bins.cards[s];
                bins.remove(s);
                const target = bestOpenNode(bins, s, open, n);
                if (target === undefined) {
                    bins.place(s, n, cards);
                    ok = false;
                    break;
                }
                bins.place(s, target.node, target.cards);
                moved.push({ s, cards });
            }
            if (!ok) {
                for (const { s, cards } of moved) {
                    bins.remove(s);
                    bins.place(s, n, cards);
                }
                continue;
            }
            for (const { s } of moved) {
                const to = bins.node[s];
                byNode.set(to, [...(byNode.get(to) ?? []), s]);
            }
            byNode.delete(n);
            closed = true;
        }
    }
}

/** Lower bound on nodes used, per dimension and at most over dimensions; see the file header. */
export function packingLowerBound(input: PackingInput): { nodes: number; perDimension: Record<string, number> } {
    const { nodes, services, targets } = input;
    const fewestNodes = (capacities: number[], demand: number): number => {
        if (demand <= 0) {
            return 0;
        }
        const sorted = [...capacities].sort((a, b) => b - a);
        let total = 0;
        for (let i = 0; i < sorted.length; i++) {
            total += sorted[i];
            if (total >= demand) {
                return i + 1;
            }
        }
        return Infinity;
    };
    const memory = services.reduce((total, s) => total + s.memoryMiB, 0);
    const cpu = services.reduce((total, s) => total + s.cpuMillicores, 0);
    const vram = services.reduce((total, s) => total + (s.gpu?.vramMiB ?? 0) * (s.gpu?.cards ?? 0), 0);
    const perDimension = {
        memory: fewestNodes(nodes.map((n) => limitOf(n.memoryMiB, targets.memoryPercent)), memory),
        cpu: fewestNodes(nodes.map((n) => limitOf(n.cpuMillicores, targets.cpuPercent)), cpu),
        vram: fewestNodes(nodes.map((n) => n.gpus.reduce((total, g) => total + limitOf(g.vramMiB, targets.vramPercent), 0)), vram),
    };
    return { nodes: Math.max(perDimension.memory, perDimension.cpu, perDimension.vram), perDimension };
}
