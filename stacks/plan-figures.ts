/**
 * The figures the platform's rebalancing plan states per node, as written there, so that the
 * check can print where the computed totals differ. Each figure keeps the precision the plan
 * wrote it with: `decimals` is the number of decimals of the written figure.
 */

/** One figure as the plan states it. */
export interface StatedFigure {
    value: number;
    decimals: number;
    /** The plan's wording, quoted in the report. */
    text: string;
}

/** Figures per dimension of one node: `memory` and `vram` in GiB, `cpu` in cores. */
export interface StatedNodeFigures {
    memory?: StatedFigure;
    memoryPercent?: StatedFigure;
    cpu?: StatedFigure;
    cpuPercent?: StatedFigure;
    vram?: StatedFigure;
    vramPercent?: StatedFigure;
}

const figure = (value: number, text: string): StatedFigure => ({
    value,
    decimals: (String(value).split(".")[1] ?? "").length,
    text,
});

export const statedFigures: Record<string, Record<string, StatedNodeFigures>> = {
    current: {
        thanos: {
            memory: figure(166.25, "166.25GB on 64GB system"),
            memoryPercent: figure(259.8, "259.8% memory over-allocated"),
            cpu: figure(45.5, "45.5 cores on 16-core system"),
            cpuPercent: figure(284.4, "284.4% CPU over-allocated"),
        },
        oracle1: {
            memory: figure(20.77, "20.77 GB RAM"),
            memoryPercent: figure(86.6, "86.6% RAM"),
            cpu: figure(3.81, "3.81 CPU cores"),
            cpuPercent: figure(95.3, "95.3% CPU"),
        },
    },
    rebalanced: {
        thanos: {
            memory: figure(55, "Memory: 85% utilization (55GB/64GB)"),
            memoryPercent: figure(85, "Memory: 85% utilization (55GB/64GB)"),
            cpu: figure(14, "CPU: 87% utilization (14 cores/16 cores)"),
            cpuPercent: figure(87, "CPU: 87% utilization (14 cores/16 cores)"),
        },
        oracle1: {
            memory: figure(20, "Memory: 83% utilization (20GB/24GB)"),
            memoryPercent: figure(83, "Memory: 83% utilization (20GB/24GB)"),
            cpu: figure(3.5, "CPU: 87% utilization (3.5 cores/4 cores)"),
            cpuPercent: figure(87, "CPU: 87% utilization (3.5 cores/4 cores)"),
        },
        starlord: {
            memory: figure(40, "Total: ~40GB RAM + 20GB VRAM; Memory: 62% utilization (40GB/64GB)"),
            memoryPercent: figure(62, "Memory: 62% utilization (40GB/64GB)"),
            vram: figure(20, "GPU: 83% utilization (20GB/24GB VRAM)"),
            vramPercent: figure(83, "GPU: 83% utilization (20GB/24GB VRAM)"),
        },
    },
};
