/**
 * Orders the moves of a plan so that no move overfills its destination.
 *
 * A move stops the service on its node and then starts it on the destination (the containers are
 * replaced delete-before-replace), so the service never counts on both nodes. Each move must leave
 * its destination within physical capacity: memory, cores and the VRAM of each card it gets. A
 * node that starts above capacity only loses services, so it may stay above capacity until its
 * own moves are done. When no remaining move fits, one service is stopped first and started once
 * its destination has room; such moves are marked `stopFirst`.
 */
import { Placement, Problem } from "./problem";

export interface Move {
    service: string;
    from: string;
    to: string;
    memoryMiB: number;
    cpuMillicores: number;
    /** VRAM per card, in MiB; 0 for a service without a GPU. */
    vramMiB: number;
    /** Cards the service gets on the destination. */
    deviceIds: string[];
    /** True when the service has to be stopped before the moves listed ahead of it, because its destination is full until then. */
    stopFirst: boolean;
}

export interface MoveOrder {
    moves: Move[];
    /** True when every move runs while its destination has room, with no service stopped early. */
    live: boolean;
}

/** Orders the moves from `start` to `final`. Both placements must cover the same services. */
export function orderMoves(problem: Problem, start: Placement, final: Placement): MoveOrder {
    const nodeIndex = new Map(problem.nodes.map((node, n) => [node.name, n]));
    const cardIndex = (n: number, id: string) => problem.nodes[n].gpus.findIndex((g) => g.id === id);
    const memory = problem.nodes.map(() => 0);
    const cpu = problem.nodes.map(() => 0);
    const vram = problem.nodes.map((node) => node.gpus.map(() => 0));

    const apply = (s: number, node: string, deviceIds: string[], sign: 1 | -1) => {
        const n = nodeIndex.get(node) as number;
        const service = problem.services[s];
        memory[n] += sign * service.memoryMiB;
        cpu[n] += sign * service.cpuMillicores;
        for (const id of deviceIds) {
            vram[n][cardIndex(n, id)] += sign * (service.gpu?.vramMiB ?? 0);
        }
    };
    start.forEach((assignment, s) => apply(s, assignment.node, assignment.deviceIds, 1));

    const fitsNow = (s: number) => {
        const n = nodeIndex.get(final[s].node) as number;
        const service = problem.services[s];
        const node = problem.nodes[n];
        return (
            memory[n] + service.memoryMiB <= node.memoryMiB &&
            cpu[n] + service.cpuMillicores <= node.cpuMillicores &&
            final[s].deviceIds.every((id) => vram[n][cardIndex(n, id)] + (service.gpu?.vramMiB ?? 0) <= node.gpus[cardIndex(n, id)].vramMiB)
        );
    };
    const toMove = (s: number, stopFirst: boolean): Move => {
        const service = problem.services[s];
        return {
            service: service.name,
            from: start[s].node,
            to: final[s].node,
            memoryMiB: service.memoryMiB,
            cpuMillicores: service.cpuMillicores,
            vramMiB: service.gpu?.vramMiB ?? 0,
            deviceIds: final[s].deviceIds,
            stopFirst,
        };
    };

    let pending = final.map((_, s) => s).filter((s) => final[s].node !== start[s].node);
    const stopped = new Set<number>();
    const moves: Move[] = [];
    while (pending.length > 0) {
        // Destinations of pending moves: leaving them first makes room for the others.
        const awaited = new Set(pending.filter((s) => !stopped.has(s)).map((s) => final[s].node));
        const ready = pending.filter(fitsNow).sort((a, b) => {
            const rank = (s: number) => (stopped.has(s) ? 0 : awaited.has(start[s].node) ? 1 : 2);
            return rank(a) - rank(b) || problem.services[b].memoryMiB - problem.services[a].memoryMiB;
        });
        if (ready.length > 0) {
            const s = ready[0];
            if (!stopped.has(s)) {
                apply(s, start[s].node, start[s].deviceIds, -1);
            }
            apply(s, final[s].node, final[s].deviceIds, 1);
            moves.push(toMove(s, stopped.has(s)));
            pending = pending.filter((other) => other !== s);
            continue;
        }
        const running = pending.filter((s) => !stopped.has(s));
        if (running.length === 0) {
            // Only possible when the final placement itself is above physical capacity.
            throw new Error(`the final placement does not fit physical capacity: ${pending.map((s) => problem.services[s].name).join(", ")} cannot start`);
        }
        // Stop the service that frees the most memory, on the node the others wait for if any.
        const awaitedNodes = new Set(running.map((s) => final[s].node));
        const victim = [...running].sort(
            (a, b) =>
                Number(awaitedNodes.has(start[b].node)) - Number(awaitedNodes.has(start[a].node)) ||
                problem.services[b].memoryMiB - problem.services[a].memoryMiB,
        )[0];
        apply(victim, start[victim].node, start[victim].deviceIds, -1);
        stopped.add(victim);
    }
    return { moves, live: stopped.size === 0 };
}
