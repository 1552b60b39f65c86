/**
 * A mutable placement with running sums per node and per card, for the heuristics. Every check
 * is against the targets of the prepared problem.
 */
import { Placement, PreparedProblem } from "./problem";

const UNPLACED = -1;

export class PlacementState {
    readonly memory: number[];
    readonly cpu: number[];
    readonly vram: number[][];
    /** Node index per service, or -1 while unplaced. */
    readonly node: number[];
    /** Card indices per service on its node. */
    readonly cards: number[][];
    /** Services on each node. */
    readonly members: Set<number>[];
    /** 1 at `s * nodes + n` when service s may run on node n, as a flat array to spare memory. */
    private readonly allowedFlags: Uint8Array;

    constructor(readonly prepared: PreparedProblem) {
        const nodes = prepared.problem.nodes;
        this.memory = nodes.map(() => 0);
        this.cpu = nodes.map(() => 0);
        this.vram = nodes.map((node) => node.gpus.map(() => 0));
        this.node = prepared.problem.services.map(() => UNPLACED);
        this.cards = prepared.problem.services.map(() => []);
        this.members = nodes.map(() => new Set<number>());
        this.allowedFlags = new Uint8Array(prepared.problem.services.length * nodes.length);
        prepared.allowed.forEach((list, s) => {
            for (const n of list) {
                this.allowedFlags[s * nodes.length + n] = 1;
            }
        });
    }

    isAllowed(s: number, n: number): boolean {
        return this.allowedFlags[s * this.memory.length + n] === 1;
    }

    /**
     * Returns the cards service `s` would get on node `n` if it fits there now within the
     * targets, or undefined when it does not. On its current node a service keeps its cards.
     * Elsewhere it gets the fitting cards with the least VRAM left after it (best fit).
     */
    cardsIfFits(s: number, n: number): number[] | undefined {
        const prepared = this.prepared;
        if (!this.isAllowed(s, n)) {
            return undefined;
        }
        const service = prepared.problem.services[s];
        if (this.memory[n] + service.memoryMiB > prepared.memoryLimit[n]) {
            return undefined;
        }
        if (this.cpu[n] + service.cpuMillicores > prepared.cpuLimit[n]) {
            return undefined;
        }
        const gpu = service.gpu;
        if (gpu === undefined) {
            return [];
        }
        const limits = prepared.cardLimit[n];
        if (n === prepared.current[s]) {
            const cards = prepared.currentCards[s] as number[];
            return cards.every((g) => this.vram[n][g] + gpu.vramMiB <= limits[g]) ? cards : undefined;
        }
        const free = limits
            .map((limit, g) => ({ g, left: limit - this.vram[n][g] - gpu.vramMiB }))
            .filter((card) => card.left >= 0)
            .sort((a, b) => a.left - b.left || a.g - b.g);
        return free.length >= gpu.cards ? free.slice(0, gpu.cards).map((card) => card.g) : undefined;
    }

    place(s: number, n: number, cards: number[]): void {
        const service = this.prepared.problem.services[s];
        this.node[s] = n;
        this.cards[s] = cards;
        this.members[n].add(s);
        this.memory[n] += service.memoryMiB;
        this.cpu[n] += service.cpuMillicores;
        for (const g of cards) {
            this.vram[n][g] += service.gpu?.vramMiB ?? 0;
        }
    }

    /** Takes service `s` off its node and returns the node and cards it had. */
    remove(s: number): { node: number; cards: number[] } {
        const n = this.node[s];
        const cards = this.cards[s];
        const service = this.prepared.problem.services[s];
        this.members[n].delete(s);
        this.memory[n] -= service.memoryMiB;
        this.cpu[n] -= service.cpuMillicores;
        for (const g of cards) {
            this.vram[n][g] -= service.gpu?.vramMiB ?? 0;
        }
        this.node[s] = UNPLACED;
        this.cards[s] = [];
        return { node: n, cards };
    }

    isPlaced(s: number): boolean {
        return this.node[s] !== UNPLACED;
    }

    isMoved(s: number): boolean {
        return this.node[s] !== UNPLACED && this.node[s] !== this.prepared.current[s];
    }

    /** True when node `n` is within its targets in every dimension. */
    withinTargets(n: number): boolean {
        const p = this.prepared;
        return (
            this.memory[n] <= p.memoryLimit[n] &&
            this.cpu[n] <= p.cpuLimit[n] &&
            this.vram[n].every((used, g) => used <= p.cardLimit[n][g])
        );
    }

    /** Returns the highest fraction of a target that node `n` uses, over memory, CPU and each card. */
    load(n: number): number {
        return this.loadWith(n, -1, []);
    }

    /** Returns `load(n)` as it would be with service `s` added on `cards`; `s` = -1 adds nothing. */
    loadWith(n: number, s: number, cards: number[]): number {
        const p = this.prepared;
        const service = s < 0 ? undefined : p.problem.services[s];
        let load = Math.max(
            (this.memory[n] + (service?.memoryMiB ?? 0)) / p.memoryLimit[n],
            (this.cpu[n] + (service?.cpuMillicores ?? 0)) / p.cpuLimit[n],
        );
        this.vram[n].forEach((current, g) => {
            const used = current + (cards.includes(g) ? (service?.gpu?.vramMiB ?? 0) : 0);
            // A card whose target rounds to 0 MiB is full as soon as it has any VRAM budget.
            const limit = p.cardLimit[n][g];
            if (limit > 0) {
                load = Math.max(load, used / limit);
            } else if (used > 0) {
                load = Infinity;
            }
        });
        return load;
    }

    toPlacement(): Placement {
        const nodes = this.prepared.problem.nodes;
        return this.node.map((n, s) => ({ node: nodes[n].name, deviceIds: this.cards[s].map((g) => nodes[n].gpus[g].id) }));
    }
}
