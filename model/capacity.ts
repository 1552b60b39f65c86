/**
 * Capacity accounting: what the containers of one node are promised against what the node has.
 *
 * These are pure functions with no Pulumi imports. The components, the policy pack and the
 * command-line tools all call them, so there is one definition of "allocated".
 */
import { formatCores, formatGiB, formatPercent, percentOf } from "./units";

/** One GPU of a node. */
export interface GpuCapacity {
    /** Device id as the NVIDIA runtime numbers it (`"0"`), used in `deviceIds`. */
    id: string;
    model: string;
    vramMiB: number;
}

/** Physical capacity of one node. */
export interface NodeCapacity {
    name: string;
    memoryMiB: number;
    cpuMillicores: number;
    gpus: GpuCapacity[];
}

/** The budget of one container, as read from its limits and labels. */
export interface Allocation {
    /** Resource URN of the container, or the service name where no URN exists yet. */
    urn: string;
    /** Service name for messages. */
    service: string;
    memoryMiB: number;
    cpuMillicores: number;
    /** VRAM budget per GPU device id, in MiB. */
    vramMiB: Record<string, number>;
}

export type DimensionKind = "memory" | "cpu" | "vram";

/** One contributor to a dimension's total. */
export interface Contributor {
    service: string;
    urn: string;
    amount: number;
}

/** Allocated against physical capacity in one dimension of one node. */
export interface DimensionUsage {
    node: string;
    kind: DimensionKind;
    /** GPU device id for `vram`, undefined otherwise. */
    device?: string;
    /** Human name, such as `memory`, `CPU` or `VRAM of GPU 0 (RTX 4090)`. */
    label: string;
    /** MiB for memory and VRAM, millicores for CPU. */
    requested: number;
    capacity: number;
    percent: number;
    /** Contributors sorted by amount, largest first, then by name. */
    contributors: Contributor[];
}

/** Usage of every dimension of one node. */
export interface NodeUsage {
    node: string;
    memory: DimensionUsage;
    cpu: DimensionUsage;
    /** One entry per GPU of the node, then one per device id that the node lacks. */
    vram: DimensionUsage[];
    containers: number;
}

/** A dimension whose total exceeds what the node has. */
export interface Overflow extends DimensionUsage {
    /** `requested - capacity`, in the dimension's unit. */
    overflow: number;
}

/** Sums the allocations of one node. Exactly 100 % fits; a device the node lacks has capacity 0. */
export function summarizeNode(node: NodeCapacity, allocations: readonly Allocation[]): NodeUsage {
    const dimension = (
        kind: DimensionKind,
        label: string,
        capacity: number,
        amountOf: (allocation: Allocation) => number,
        device?: string,
    ): DimensionUsage => {
        const contributors = allocations
            .map((a) => ({ service: a.service, urn: a.urn, amount: amountOf(a) }))
            .filter((c) => c.amount > 0)
            .sort((x, y) => y.amount - x.amount || x.service.localeCompare(y.service));
        const requested = contributors.reduce((total, c) => total + c.amount, 0);
        return {
            node: node.name,
            kind,
            ...(device === undefined ? {} : { device }),
            label,
            requested,
            capacity,
            percent: percentOf(requested, capacity),
            contributors,
        };
    };

    const deviceIds = new Set(node.gpus.map((g) => g.id));
    const unknownDevices = [...new Set(allocations.flatMap((a) => Object.keys(a.vramMiB)))]
        .filter((id) => !deviceIds.has(id))
        .sort();
    const vram = [
        ...node.gpus.map((gpu) =>
            dimension("vram", `VRAM of GPU ${gpu.id} (${gpu.model})`, gpu.vramMiB, (a) => a.vramMiB[gpu.id] ?? 0, gpu.id),
        ),
        ...unknownDevices.map((id) =>
            dimension("vram", `VRAM of GPU ${id} (not present on ${node.name})`, 0, (a) => a.vramMiB[id] ?? 0, id),
        ),
    ];

    return {
        node: node.name,
        memory: dimension("memory", "memory", node.memoryMiB, (a) => a.memoryMiB),
        cpu: dimension("cpu", "CPU", node.cpuMillicores, (a) => a.cpuMillicores),
        vram,
        containers: allocations.length,
    };
}

/** Lists every dimension of the node. */
export function dimensionsOf(usage: NodeUsage): DimensionUsage[] {
    return [usage.memory, usage.cpu, ...usage.vram];
}

/** Returns one overflow per dimension whose total exceeds the capacity. */
export function findOverflows(usage: NodeUsage): Overflow[] {
    return dimensionsOf(usage)
        .filter((d) => d.requested > d.capacity)
        .map((d) => ({ ...d, overflow: d.requested - d.capacity }));
}

/** Returns the dimensions that fit but use more than `thresholdPercent` of the capacity. */
export function findHeadroomBreaches(usage: NodeUsage, thresholdPercent: number): DimensionUsage[] {
    return dimensionsOf(usage).filter(
        (d) => d.requested <= d.capacity && d.requested * 100 > d.capacity * thresholdPercent,
    );
}

/** Formats an amount in the dimension's unit, such as `166.25 GiB` or `45.5 cores`. */
export function formatAmount(kind: DimensionKind, amount: number): string {
    if (kind === "cpu") {
        return `${formatCores(amount)} ${amount === 1000 ? "core" : "cores"}`;
    }
    const gib = `${formatGiB(amount)} GiB`;
    // Two decimals of GiB hide a few MiB, and a 1 MiB overflow must not read as 0.00 GiB.
    return Number(formatGiB(amount)) * 1024 === amount ? gib : `${gib} (${amount} MiB)`;
}

const MAX_CONTRIBUTORS_SHOWN = 5;

/** Lists the largest contributors of a dimension for a message, one per line. */
export function describeContributors(usage: DimensionUsage, limit = MAX_CONTRIBUTORS_SHOWN): string {
    const shown = usage.contributors.slice(0, limit);
    const lines = shown.map((c) => `  ${c.service}: ${formatAmount(usage.kind, c.amount)} (${c.urn})`);
    const hidden = usage.contributors.length - shown.length;
    if (hidden > 0) {
        lines.push(`  and ${hidden} more`);
    }
    return lines.join("\n");
}

const BUDGET_NAMES: Record<DimensionKind, string> = { memory: "memory limits", cpu: "CPU limits", vram: "VRAM budgets" };

/**
 * Describes an overflow the way a scheduler reports an unschedulable request: node, dimension,
 * requested, capacity, percent, overflow and the largest contributors.
 */
export function describeOverflow(overflow: Overflow): string {
    return (
        `Node ${overflow.node} is over capacity in ${overflow.label}: its containers' ${BUDGET_NAMES[overflow.kind]} total ` +
        `${formatAmount(overflow.kind, overflow.requested)} against ${formatAmount(overflow.kind, overflow.capacity)} ` +
        `physical (${formatPercent(overflow.percent)} %), ${formatAmount(overflow.kind, overflow.overflow)} over. ` +
        `Lower the limits or move services to another node. Largest contributors:\n` +
        describeContributors(overflow)
    );
}

/** Describes a dimension above the headroom threshold. */
export function describeHeadroomBreach(usage: DimensionUsage, thresholdPercent: number): string {
    const threshold = Math.floor((usage.capacity * thresholdPercent) / 100);
    return (
        `Node ${usage.node} has little headroom in ${usage.label}: ` +
        `${formatAmount(usage.kind, usage.requested)} of ${formatAmount(usage.kind, usage.capacity)} ` +
        `(${formatPercent(usage.percent)} %) is above the ${thresholdPercent} % alert line ` +
        `(${formatAmount(usage.kind, threshold)}). Largest contributors:\n` +
        describeContributors(usage, 3)
    );
}
