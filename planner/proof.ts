/**
 * Reasons why no placement meets the targets, each a necessary condition that the problem breaks:
 *
 * - a service fits no node it may run on, even alone;
 * - the services that can run only on a set of nodes S need more of a dimension than the targets
 *   of S give (the capacity form of Hall's condition). With S a single node this covers pinned
 *   services that alone exceed their node's target.
 *
 * When the MILP proves infeasibility and no condition above is broken, the reason is packing: the
 * totals fit, the services do not divide among the nodes.
 */
import { DimensionKind, formatAmount } from "../model/capacity";
import { formatPercent, percentOf } from "../model/units";
import { PreparedProblem, whyNotAlone } from "./problem";

/** One broken condition. Amounts are in MiB (memory, VRAM) or millicores (CPU). */
export interface InfeasibilityReason {
    kind: "service" | "aggregate";
    dimension?: DimensionKind;
    /** Nodes of the set S, or the nodes the service was judged against. */
    nodes: string[];
    /** Services counted: the one service, or every service that can run only on S. */
    services: string[];
    /** Of `services`, those pinned to their node. */
    pinned: number;
    demand: number;
    /** Sum of the targets of S in the dimension. */
    capacity: number;
    /** Sum of the physical capacity of S in the dimension. */
    physical: number;
    /** `demand - capacity`. */
    excess: number;
    /** Lowest whole percentage at which this condition could hold; above 100 means never. */
    percentNeeded: number;
    message: string;
}

/** Subsets are enumerated in full up to this many nodes, and built from the services' node sets above it. */
const MAX_NODES_ENUMERATED = 12;
const MAX_REASONS = 6;

/** Lists the broken conditions, most excess first, at most a few; empty when none is broken. */
export function explainInfeasibility(prepared: PreparedProblem): InfeasibilityReason[] {
    const reasons = [...serviceReasons(prepared), ...aggregateReasons(prepared)];
    return reasons.slice(0, MAX_REASONS);
}

function serviceReasons(prepared: PreparedProblem): InfeasibilityReason[] {
    const { problem } = prepared;
    return problem.services.flatMap((service, s) => {
        if (prepared.allowed[s].length > 0) {
            return [];
        }
        const perNode = problem.nodes.map((node, n) => `${node.name}: ${whyNotAlone(prepared, s, n) ?? "fits"}`);
        return [
            {
                kind: "service" as const,
                nodes: problem.nodes.map((n) => n.name),
                services: [service.name],
                pinned: service.pinned === true ? 1 : 0,
                demand: 0,
                capacity: 0,
                physical: 0,
                excess: 0,
                percentNeeded: Infinity,
                message: `Service ${service.name} fits no node within the targets, even alone (${perNode.join("; ")}).`,
            },
        ];
    });
}

interface DimensionSpec {
    kind: DimensionKind;
    label: string;
    demand: (s: number) => number;
    capacity: (n: number) => number;
    physical: (n: number) => number;
}

function dimensionSpecs(prepared: PreparedProblem): DimensionSpec[] {
    const { problem } = prepared;
    return [
        {
            kind: "memory",
            label: "memory",
            demand: (s) => problem.services[s].memoryMiB,
            capacity: (n) => prepared.memoryLimit[n],
            physical: (n) => problem.nodes[n].memoryMiB,
        },
        {
            kind: "cpu",
            label: "CPU",
            demand: (s) => problem.services[s].cpuMillicores,
            capacity: (n) => prepared.cpuLimit[n],
            physical: (n) => problem.nodes[n].cpuMillicores,
        },
        {
            kind: "vram",
            label: "VRAM",
            demand: (s) => (problem.services[s].gpu?.vramMiB ?? 0) * (problem.services[s].gpu?.cards ?? 0),
            capacity: (n) => prepared.cardLimit[n].reduce((a, b) => a + b, 0),
            physical: (n) => problem.nodes[n].gpus.reduce((a, g) => a + g.vramMiB, 0),
        },
    ];
}

/** Node sets to test: every subset for few nodes, else the services' node sets and unions of two. */
function candidateSets(prepared: PreparedProblem): number[][] {
    const count = prepared.problem.nodes.length;
    if (count <= MAX_NODES_ENUMERATED) {
        const sets: number[][] = [];
        for (let mask = 1; mask < 1 << count; mask++) {
            sets.push([...Array(count).keys()].filter((n) => (mask & (1 << n)) !== 0));
        }
        return sets;
    }
    const distinct = new Map<string, number[]>();
    for (const nodes of prepared.allowed) {
        if (nodes.length > 0) {
            const sorted = [...nodes].sort((a, b) => a - b);
            distinct.set(sorted.join(","), sorted);
        }
    }
    const bases = [...distinct.values()].slice(0, 200);
    for (let i = 0; i < bases.length; i++) {
        for (let j = i + 1; j < bases.length; j++) {
            const union = [...new Set([...bases[i], ...bases[j]])].sort((a, b) => a - b);
            distinct.set(union.join(","), union);
        }
    }
    return [...distinct.values()];
}

function aggregateReasons(prepared: PreparedProblem): InfeasibilityReason[] {
    const { problem } = prepared;
    const specs = dimensionSpecs(prepared);
    const found: InfeasibilityReason[] = [];
    const brokenSets = new Map<DimensionKind, number[][]>();
    const sets = candidateSets(prepared).sort((a, b) => a.length - b.length);
    for (const set of sets) {
        const inSet = new Set(set);
        const confined = problem.services
            .map((_, s) => s)
            .filter((s) => prepared.allowed[s].length > 0 && prepared.allowed[s].every((n) => inSet.has(n)));
        if (confined.length === 0) {
            continue;
        }
        for (const spec of specs) {
            const demand = confined.reduce((total, s) => total + spec.demand(s), 0);
            const capacity = set.reduce((total, n) => total + spec.capacity(n), 0);
            if (demand <= capacity) {
                continue;
            }
            // Report only minimal sets: a superset of a broken set adds nothing.
            const smaller = brokenSets.get(spec.kind) ?? [];
            if (smaller.some((other) => other.every((n) => inSet.has(n)))) {
                continue;
            }
            smaller.push(set);
            brokenSets.set(spec.kind, smaller);
            const physical = set.reduce((total, n) => total + spec.physical(n), 0);
            found.push(aggregateReason(prepared, spec, set, confined.filter((s) => spec.demand(s) > 0), demand, capacity, physical));
        }
    }
    return found.sort((a, b) => b.excess / b.capacity - a.excess / a.capacity);
}

function aggregateReason(
    prepared: PreparedProblem,
    spec: DimensionSpec,
    set: number[],
    confined: number[],
    demand: number,
    capacity: number,
    physical: number,
): InfeasibilityReason {
    const { problem } = prepared;
    const names = set.map((n) => problem.nodes[n].name);
    const pinned = confined.filter((s) => problem.services[s].pinned === true).length;
    const percentNeeded = physical === 0 ? Infinity : Math.ceil((demand * 100) / physical - 1e-9);
    const target = targetOf(prepared, spec.kind);
    const nodesText = names.length === 1 ? `node ${names[0]}` : `nodes {${names.join(", ")}} together`;
    const where = spec.kind === "vram" ? `the GPU cards of ${nodesText}` : nodesText;
    const subject =
        pinned === confined.length
            ? `the ${confined.length} pinned service(s) on ${names.join(", ")}`
            : `the ${confined.length} service(s) that can run only on ${names.length === 1 ? names[0] : `{${names.join(", ")}}`}` +
              (pinned > 0 ? ` (${pinned} of them pinned)` : "");
    const need =
        percentNeeded > 100
            ? `more than the ${formatAmount(spec.kind, physical)} physically there, so no target up to 100 % fits them`
            : `${formatPercent(percentOf(demand, physical))} % of the physical ${formatAmount(spec.kind, physical)}`;
    return {
        kind: "aggregate",
        dimension: spec.kind,
        nodes: names,
        services: confined.map((s) => problem.services[s].name),
        pinned,
        demand,
        capacity,
        physical,
        excess: demand - capacity,
        percentNeeded,
        message:
            `${capitalize(subject)} need ${formatAmount(spec.kind, demand)} of ${spec.label}, but ${target} % of ${where} ` +
            `is ${formatAmount(spec.kind, capacity)}: ${formatAmount(spec.kind, demand - capacity)} too much (${need}).`,
    };
}

function targetOf(prepared: PreparedProblem, kind: DimensionKind): number {
    const targets = prepared.problem.targets;
    switch (kind) {
        case "memory":
            return targets.memoryPercent;
        case "cpu":
            return targets.cpuPercent;
        case "vram":
            return targets.vramPercent;
    }
}

function capitalize(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
