/**
 * A lower bound on the number of moves, from a per-node argument. The services that cannot stay
 * on a node must leave it. The rest of an over-target node must lose at least as many services as
 * it takes, largest first, to bring each dimension under its target.
 */
import { DimensionKind, formatAmount } from "../model/capacity";
import { PreparedProblem } from "./problem";

/** The bound's share of one node. */
export interface NodeMoveBound {
    node: string;
    /** Services that must leave the node whatever else moves. */
    moves: number;
    /** Why, such as `13 to bring memory from 100.00 GiB to its target of 54.40 GiB`. */
    reason: string;
}

export interface MoveBound {
    /** Moves every valid placement makes at least; Infinity when a node cannot be brought under target. */
    moves: number;
    perNode: NodeMoveBound[];
}

/** Counts how many of `amounts`, largest first, add up to at least `excess`; Infinity if all do not. */
export function minimumItemsToCover(amounts: number[], excess: number): number {
    if (excess <= 0) {
        return 0;
    }
    const sorted = [...amounts].sort((a, b) => b - a);
    let covered = 0;
    for (let i = 0; i < sorted.length; i++) {
        covered += sorted[i];
        if (covered >= excess) {
            return i + 1;
        }
    }
    return Number.POSITIVE_INFINITY;
}

/**
 * Computes the lower bound. Moves out of different nodes are different services, so the per-node
 * counts add up. Each count is the services that cannot stay plus, per dimension, the fewest
 * movable services whose largest amounts cover that dimension's excess.
 */
export function lowerBoundMoves(prepared: PreparedProblem): MoveBound {
    const { problem } = prepared;
    const perNode: NodeMoveBound[] = [];
    let total = 0;
    const residentsOf: number[][] = problem.nodes.map(() => []);
    prepared.current.forEach((n, s) => residentsOf[n].push(s));
    problem.nodes.forEach((node, n) => {
        const residents = residentsOf[n];
        const forced = residents.filter((s) => !prepared.allowed[s].includes(n));
        const staying = residents.filter((s) => prepared.allowed[s].includes(n));
        const movable = staying.filter((s) => prepared.allowed[s].length > 1);

        const dimensions: { kind: DimensionKind; label: string; used: number; limit: number; amounts: number[] }[] = [
            {
                kind: "memory",
                label: "memory",
                used: sumOf(staying, (s) => problem.services[s].memoryMiB),
                limit: prepared.memoryLimit[n],
                amounts: movable.map((s) => problem.services[s].memoryMiB),
            },
            {
                kind: "cpu",
                label: "CPU",
                used: sumOf(staying, (s) => problem.services[s].cpuMillicores),
                limit: prepared.cpuLimit[n],
                amounts: movable.map((s) => problem.services[s].cpuMillicores),
            },
            ...node.gpus.map((gpu, g) => {
                const onCard = (s: number) => prepared.currentCards[s]?.includes(g) === true;
                const vram = (s: number) => problem.services[s].gpu?.vramMiB ?? 0;
                return {
                    kind: "vram" as const,
                    label: `VRAM of GPU ${gpu.id}`,
                    used: sumOf(staying.filter(onCard), vram),
                    limit: prepared.cardLimit[n][g],
                    amounts: movable.filter(onCard).map(vram),
                };
            }),
        ];
        let extra = 0;
        let reason = "";
        for (const dimension of dimensions) {
            const needed = minimumItemsToCover(dimension.amounts, dimension.used - dimension.limit);
            if (needed > extra) {
                extra = needed;
                reason =
                    `${dimension.label} from ${formatAmount(dimension.kind, dimension.used)} ` +
                    `to its target of ${formatAmount(dimension.kind, dimension.limit)}`;
            }
        }
        const moves = forced.length + extra;
        if (moves > 0) {
            const parts = [];
            if (forced.length > 0) {
                parts.push(`${forced.length} service(s) that cannot stay`);
            }
            if (extra > 0) {
                parts.push(`${extra} to bring ${reason}`);
            }
            perNode.push({ node: node.name, moves, reason: parts.join(", plus ") });
        }
        total += moves;
    });
    return { moves: total, perNode };
}

function sumOf(items: number[], amount: (item: number) => number): number {
    let total = 0;
    for (const item of items) {
        total += amount(item);
    }
    return total;
}
