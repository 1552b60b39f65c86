/**
 * The fast planner for inventories too large for the MILP. It keeps every service where it is and
 * evicts the fewest services it can from each node above its targets, largest first. It places
 * the evicted services on the least loaded node with room for them, and then improves the result
 * by local search:
 *
 * - a moved service returns home when its home has room again;
 * - a moved service returns home in exchange for a smaller one that leaves instead (less memory);
 * - two moved services from one node return home in exchange for one that leaves (fewer moves).
 *
 * When that construction finds no placement, seeded randomized restarts try again within the time
 * budget. The result is valid but not proven optimal. `lowerBoundMoves` gives the bound to judge it by.
 */
import { Placement, PreparedProblem } from "./problem";
import { mulberry32 } from "./random";
import { PlacementState } from "./state";

/** Randomized restarts after the first construction fails, within the time budget. */
const MAX_RANDOM_STARTS = 200;

/** Source of random numbers in [0, 1), or undefined for the deterministic first start. */
type Random = (() => number) | undefined;

export interface HeuristicOptions {
    /** Wall-clock budget for randomized restarts and the local search, in milliseconds. */
    timeBudgetMs: number;
}

export interface HeuristicResult {
    /** A placement within every target, or undefined when the heuristic found none. */
    placement?: Placement;
    seconds: number;
    /** Local search steps that improved the placement. */
    improvements: number;
    /** Constructions tried: 1 when the deterministic one succeeded. */
    starts: number;
}

/**
 * Runs the heuristic. When the deterministic construction finds no placement, it retries with
 * seeded random choices until one succeeds or the budget runs out. Returns no placement, rather
 * than throwing, when it finds none.
 */
export function solveHeuristic(prepared: PreparedProblem, options: HeuristicOptions): HeuristicResult {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const deadline = Date.now() + options.timeBudgetMs;
    let state = construct(prepared, undefined);
    let starts = 1;
    while (state === undefined && starts <= MAX_RANDOM_STARTS && Date.now() < deadline) {
        state = construct(prepared, mulberry32(starts));
        starts += 1;
    }
    if (state === undefined) {
        return { seconds: seconds(), improvements: 0, starts };
    }
    const improvements = improve(state, deadline);
    return { placement: state.toPlacement(), seconds: seconds(), improvements, starts };
}

/** Builds a placement within the targets from the current one, or returns undefined. */
function construct(prepared: PreparedProblem, random: Random): PlacementState | undefined {
    const state = new PlacementState(prepared);
    const queue: number[] = [];

    prepared.problem.services.forEach((_, s) => {
        const home = prepared.current[s];
        if (state.isAllowed(s, home)) {
            state.place(s, home, prepared.currentCards[s] as number[]);
        } else {
            queue.push(s);
        }
    });
    for (let n = 0; n < prepared.problem.nodes.length; n++) {
        if (!evictUntilWithinTargets(state, n, queue, random)) {
            return undefined;
        }
    }
    return placeQueue(state, queue, prepared.problem.services.length * 4, random) ? state : undefined;
}

/** Picks an index with probability proportional to its weight. */
function pickWeighted(weights: number[], random: () => number): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let point = random() * total;
    for (let i = 0; i < weights.length; i++) {
        point -= weights[i];
        if (point < 0) {
            return i;
        }
    }
    return weights.length - 1;
}

function shuffle<T>(items: T[], random: () => number): T[] {
    for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
}

/** Weight of each dimension's excess, as a fraction of its target, that evicting `s` removes. */
function evictionGain(state: PlacementState, s: number, n: number): number {
    const p = state.prepared;
    const service = p.problem.services[s];
    let gain = 0;
    const memoryExcess = state.memory[n] - p.memoryLimit[n];
    if (memoryExcess > 0) {
        gain += Math.min(service.memoryMiB, memoryExcess) / p.memoryLimit[n];
    }
    const cpuExcess = state.cpu[n] - p.cpuLimit[n];
    if (cpuExcess > 0) {
        gain += Math.min(service.cpuMillicores, cpuExcess) / p.cpuLimit[n];
    }
    for (const g of state.cards[s]) {
        const excess = state.vram[n][g] - p.cardLimit[n][g];
        if (excess > 0) {
            gain += Math.min(service.gpu?.vramMiB ?? 0, excess) / p.cardLimit[n][g];
        }
    }
    return gain;
}

/**
 * Evicts services from node `n` into `queue` until it is within its targets. Each time it takes
 * the service that removes the most excess among those that fit on another node now, or among
 * all when none does. With `random`, it picks with probability proportional to the excess
 * removed instead. Returns false when the services that cannot leave exceed a target.
 */
function evictUntilWithinTargets(state: PlacementState, n: number, queue: number[], random: Random): boolean {
    const p = state.prepared;
    const services = p.problem.services;
    while (!state.withinTargets(n)) {
        const candidates = [...state.members[n]]
            .filter((s) => p.allowed[s].length > 1)
            .map((s) => ({ s, gain: evictionGain(state, s, n) }))
            .filter((c) => c.gain > 0)
            .sort((a, b) => b.gain - a.gain || services[a.s].memoryMiB - services[b.s].memoryMiB);
        if (candidates.length === 0) {
            return false;
        }
        if (random !== undefined) {
            const chosen = candidates[pickWeighted(candidates.map((c) => c.gain), random)].s;
            state.remove(chosen);
            queue.push(chosen);
            continue;
        }
        const withRoom = candidates.find((c) => p.allowed[c.s].some((other) => other !== n && state.cardsIfFits(c.s, other) !== undefined));
        const chosen = (withRoom ?? candidates[0]).s;
        state.remove(chosen);
        queue.push(chosen);
    }
    return true;
}

/** Size of a service for ordering: the sum of its amounts as fractions of the mean node's targets. */
function sizeKey(p: PreparedProblem): (s: number) => number {
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
    const memory = mean(p.memoryLimit) || 1;
    const cpu = mean(p.cpuLimit) || 1;
    const card = mean(p.cardLimit.flat()) || 1;
    return (s) => {
        const service = p.problem.services[s];
        return service.memoryMiB / memory + service.cpuMillicores / cpu + ((service.gpu?.vramMiB ?? 0) * (service.gpu?.cards ?? 0)) / card;
    };
}

/**
 * Places the queued services, largest first, each on the allowed node other than the one it left
 * with the lowest load after it. A service that fits nowhere displaces services from the node
 * where the fewest must go, preferring services that have already moved. Returns false when
 * `maxSteps` placements pass without emptying the queue.
 */
function placeQueue(state: PlacementState, queue: number[], maxSteps: number, random: Random): boolean {
    const p = state.prepared;
    const size = sizeKey(p);
    const left = new Map<number, number>();
    for (const s of queue) {
        left.set(s, p.current[s]);
    }
    let steps = 0;
    let sorted = false;
    while (queue.length > 0) {
        if (steps++ > maxSteps) {
            return false;
        }
        if (!sorted) {
            queue.sort((a, b) => size(a) - size(b));
            sorted = true;
        }
        const s = queue.pop() as number;
        const from = left.get(s) ?? p.current[s];
        const target = random !== undefined && random() < 0.5 ? randomFit(state, s, from, random) : leastLoadedFit(state, s, from);
        if (target !== undefined) {
            state.place(s, target.node, target.cards);
            continue;
        }
        const displaced = displaceFor(state, s, from, random);
        if (displaced === undefined) {
            return false;
        }
        for (const other of displaced.evicted) {
            left.set(other, displaced.node);
            queue.push(other);
            sorted = false;
        }
        state.place(s, displaced.node, displaced.cards);
    }
    return true;
}

function randomFit(state: PlacementState, s: number, avoid: number, random: () => number): { node: number; cards: number[] } | undefined {
    for (const n of shuffle([...state.prepared.allowed[s]], random)) {
        const cards = n === avoid ? undefined : state.cardsIfFits(s, n);
        if (cards !== undefined) {
            return { node: n, cards };
        }
    }
    return undefined;
}

function leastLoadedFit(state: PlacementState, s: number, avoid: number): { node: number; cards: number[] } | undefined {
    let best: { node: number; cards: number[] } | undefined;
    let bestLoad = Infinity;
    for (const n of state.prepared.allowed[s]) {
        if (n === avoid) {
            continue;
        }
        const cards = state.cardsIfFits(s, n);
        if (cards === undefined) {
            continue;
        }
        const load = state.loadWith(n, s, cards);
        if (load < bestLoad) {
            bestLoad = load;
            best = { node: n, cards };
        }
    }
    return best;
}

/**
 * Finds the node where service `s` fits after the fewest evictions, evicting moved services
 * before services at home and only services no larger in memory. With `random`, it evicts any
 * movable service, in random order. Leaves the evicted services unplaced and returns them.
 */
function displaceFor(
    state: PlacementState,
    s: number,
    avoid: number,
    random: Random,
): { node: number; cards: number[]; evicted: number[] } | undefined {
    const p = state.prepared;
    let best: { node: number; cards: number[]; evicted: number[] } | undefined;
    for (const n of p.allowed[s]) {
        if (n === avoid) {
            continue;
        }
        const movable = [...state.members[n]].filter((other) => p.allowed[other].length > 1);
        const candidates =
            random !== undefined
                ? shuffle(movable, random)
                : movable
                      .filter((other) => p.problem.services[other].memoryMiB <= p.problem.services[s].memoryMiB)
                      .sort(
                          (a, b) =>
                              Number(state.isMoved(b)) - Number(state.isMoved(a)) ||
                              p.problem.services[b].memoryMiB - p.problem.services[a].memoryMiB,
                      );
        const evicted: { s: number; cards: number[] }[] = [];
        let cards = state.cardsIfFits(s, n);
        for (const other of candidates) {
            if (cards !== undefined) {
                break;
            }
            evicted.push({ s: other, cards: state.remove(other).cards });
            cards = state.cardsIfFits(s, n);
        }
        if (cards !== undefined && (best === undefined || evicted.length < best.evicted.length)) {
            best = { node: n, cards, evicted: evicted.map((e) => e.s) };
        }
        // Restore, so that each node is judged from the same state.
        for (const other of evicted) {
            state.place(other.s, n, other.cards);
        }
    }
    if (best !== undefined) {
        for (const other of best.evicted) {
            state.remove(other);
        }
        best.cards = state.cardsIfFits(s, best.node) ?? best.cards;
    }
    return best;
}

/** Runs the local search steps until none improves the placement or the deadline passes. */
function improve(state: PlacementState, deadline: number): number {
    let improvements = 0;
    let changed = true;
    while (changed && Date.now() < deadline) {
        changed = false;
        improvements += returnHome(state);
        const exchanged = exchangeTwoForOne(state, deadline) + exchangeForSmaller(state, deadline);
        improvements += exchanged;
        changed = exchanged > 0;
    }
    return improvements;
}

function movedServices(state: PlacementState): number[] {
    const services = state.prepared.problem.services;
    return services
        .map((_, s) => s)
        .filter((s) => state.isMoved(s))
        .sort((a, b) => services[b].memoryMiB - services[a].memoryMiB);
}

/** Moves each moved service back home where it fits; returns how many went back. */
function returnHome(state: PlacementState): number {
    let count = 0;
    for (const s of movedServices(state)) {
        const home = state.prepared.current[s];
        const { node, cards } = state.remove(s);
        const homeCards = state.cardsIfFits(s, home);
        if (homeCards !== undefined) {
            state.place(s, home, homeCards);
            count += 1;
        } else {
            state.place(s, node, cards);
        }
    }
    return count;
}

/**
 * Tries to bring the moved services `back` home while sending `leaving` (services now at that
 * home) elsewhere. Keeps the change and returns true when everything fits; otherwise restores
 * the state and returns false.
 */
function tryExchange(state: PlacementState, back: number[], leaving: number[]): boolean {
    const p = state.prepared;
    const home = p.current[back[0]];
    const undo: { s: number; node: number; cards: number[] }[] = [];
    const restore = () => {
        for (const step of undo.reverse()) {
            if (state.isPlaced(step.s)) {
                state.remove(step.s);
            }
        }
        for (const step of undo) {
            state.place(step.s, step.node, step.cards);
        }
    };
    for (const s of [...back, ...leaving]) {
        undo.push({ s, ...state.remove(s) });
    }
    for (const s of back) {
        const cards = state.cardsIfFits(s, home);
        if (cards === undefined) {
            restore();
            return false;
        }
        state.place(s, home, cards);
    }
    for (const s of leaving) {
        const target = leastLoadedFit(state, s, home);
        if (target === undefined) {
            restore();
            return false;
        }
        state.place(s, target.node, target.cards);
    }
    return true;
}

/** Candidates to leave `home` in an exchange: services at home that may run elsewhere. */
function leaversAt(state: PlacementState, home: number): number[] {
    const p = state.prepared;
    return [...state.members[home]].filter((s) => p.current[s] === home && p.allowed[s].length > 1);
}

/** Replaces two moves from one node by one; returns how many exchanges it made. */
function exchangeTwoForOne(state: PlacementState, deadline: number): number {
    const p = state.prepared;
    let count = 0;
    const moved = movedServices(state);
    for (let i = 0; i < moved.length; i++) {
        for (let j = i + 1; j < moved.length; j++) {
            const [a, b] = [moved[i], moved[j]];
            if (Date.now() > deadline) {
                return count;
            }
            if (!state.isMoved(a) || !state.isMoved(b) || p.current[a] !== p.current[b]) {
                continue;
            }
            const leavers = leaversAt(state, p.current[a]).sort(
                (x, y) => p.problem.services[x].memoryMiB - p.problem.services[y].memoryMiB,
            );
            if (leavers.some((s) => tryExchange(state, [a, b], [s]))) {
                count += 1;
            }
        }
    }
    return count;
}

/** Replaces a move by the move of a service with less memory; returns how many it replaced. */
function exchangeForSmaller(state: PlacementState, deadline: number): number {
    const p = state.prepared;
    const services = p.problem.services;
    let count = 0;
    for (const s of movedServices(state)) {
        if (Date.now() > deadline) {
            return count;
        }
        if (!state.isMoved(s)) {
            continue;
        }
        const leavers = leaversAt(state, p.current[s])
            .filter((other) => services[other].memoryMiB < services[s].memoryMiB)
            .sort((x, y) => services[x].memoryMiB - services[y].memoryMiB);
        if (leavers.some((other) => tryExchange(state, [s], [other]))) {
            count += 1;
        }
    }
    return count;
}
