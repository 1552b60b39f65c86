/**
 * Benchmark of the policy pack's verdict through the analyzer protocol, against the same policy
 * SDK running a pack of one no-op policy.
 */
import * as path from "node:path";

import { AnalyzerInfo, Diagnostic, PolicyPackProcess, providerOf } from "../cli/analyzer";
import type { RecordedResource } from "../cli/engine";
import { buildPolicyConfig } from "../cli/offline-check";
import { baseResources, container, secret } from "../test/engine-resources";
import { formatMs, formatRatio, markdownTable, median } from "./samples";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const PACK_DIR = path.join(REPO_ROOT, "policies");
/** Pack with one resource policy that reads nothing, started the same way as the real pack. */
export const NOOP_PACK_DIR = path.join(REPO_ROOT, "bench", "fixtures", "noop-pack");

/** Container count and number of timed repetitions of one benchmark size. */
export interface PackBenchSize {
    containers: number;
    repetitions: number;
}

/**
 * Sizes the benchmark runs by default. One repetition of 50,000 containers takes about two minutes
 * per pack on a shared 2-core machine, so that size has the fewest repetitions.
 */
export const DEFAULT_PACK_SIZES: PackBenchSize[] = [
    { containers: 500, repetitions: 5 },
    { containers: 5_000, repetitions: 3 },
    { containers: 50_000, repetitions: 2 },
];

const NODE_COUNT = 10;
const GPUS_PER_NODE = 2;
/** On each node, every GPU_EVERY-th container requests one GPU, alternating between the node's GPUs. */
const GPU_EVERY = 10;
/** Every SECRET_EVERY-th container carries a password as a Pulumi secret. */
const SECRET_EVERY = 5;
const CONTAINER_MEMORY_MIB = 512;
const CONTAINER_VRAM_MIB = 256;

/**
 * Node capacities for the benchmark: large enough that 50,000 containers spread over the nodes
 * stay below the headroom alert line, so every policy runs to the end and passes.
 */
function benchNodes(): Record<string, unknown> {
    const nodes: Record<string, unknown> = {};
    for (let n = 0; n < NODE_COUNT; n++) {
        nodes[`bench-${n}`] = {
            memory: "4000g",
            cpus: 4000,
            gpus: Array.from({ length: GPUS_PER_NODE }, (_, id) => ({ id: String(id), model: "Bench GPU", vram: "100g" })),
        };
    }
    return nodes;
}

/**
 * Builds the stack and provider resources and `count` containers as the engine sends them:
 * spread round-robin over the nodes, one in GPU_EVERY with a GPU request and VRAM budget, and
 * one in SECRET_EVERY with a secret environment value.
 */
export function benchResources(count: number): RecordedResource[] {
    const resources = baseResources();
    for (let i = 0; i < count; i++) {
        const name = `svc-${String(i).padStart(5, "0")}`;
        const onNode = Math.floor(i / NODE_COUNT);
        const gpu = onNode % GPU_EVERY === 0;
        const device = String(Math.floor(onNode / GPU_EVERY) % GPUS_PER_NODE);
        const envs: unknown[] = ["TZ=UTC", `PORT=${8000 + (i % 1000)}`];
        if (i % SECRET_EVERY === 0) {
            envs.push(secret(`DB_PASSWORD=bench-${i}`));
        }
        resources.push(
            container(name, {
                node: `bench-${i % NODE_COUNT}`,
                memory: CONTAINER_MEMORY_MIB,
                cpus: "0.5",
                gpu,
                vram: gpu ? { [device]: String(CONTAINER_VRAM_MIB) } : undefined,
                extra: { envs, restart: "unless-stopped" },
            }),
        );
    }
    return resources;
}

/** Timings of one full verdict: Analyze of every resource in order, then AnalyzeStack of all. */
interface VerdictTiming {
    totalMs: number;
    analyzeMs: number;
    analyzeStackMs: number;
    diagnostics: Diagnostic[];
}

/** Sends each resource to Analyze and then the stack to AnalyzeStack, in the engine's order. */
async function runVerdict(
    pack: PolicyPackProcess,
    resources: readonly RecordedResource[],
    providers: readonly (RecordedResource | undefined)[],
): Promise<VerdictTiming> {
    const diagnostics: Diagnostic[] = [];
    const start = process.hrtime.bigint();
    for (const [index, resource] of resources.entries()) {
        diagnostics.push(...(await pack.analyze(resource, providers[index])));
    }
    const analyzed = process.hrtime.bigint();
    diagnostics.push(...(await pack.analyzeStack(resources)));
    const end = process.hrtime.bigint();
    return {
        totalMs: Number(end - start) / 1e6,
        analyzeMs: Number(analyzed - start) / 1e6,
        analyzeStackMs: Number(end - analyzed) / 1e6,
        diagnostics,
    };
}

interface StartedPack {
    label: string;
    server: PolicyPackProcess;
    info: AnalyzerInfo;
}

async function startPack(label: string, directory: string): Promise<StartedPack> {
    const server = await PolicyPackProcess.start(directory);
    return { label, server, info: await server.getAnalyzerInfo() };
}

async function configure(pack: StartedPack): Promise<void> {
    await pack.server.configure(buildPolicyConfig(pack.info, {}, benchNodes()));
    await pack.server.configureStack({ project: "bev", stack: "test", dryRun: true });
}

/** Rejects a run whose verdict is not a clean pass, so the benchmark never times an error path. */
function expectNoDiagnostics(pack: StartedPack, containers: number, timing: VerdictTiming): void {
    if (timing.diagnostics.length > 0) {
        const sample = timing.diagnostics
            .slice(0, 3)
            .map((d) => `${d.policyName}: ${d.message}`)
            .join("\n");
        const count = timing.diagnostics.length;
        throw new Error(`${pack.label} reported ${count} diagnostic(s) on ${containers} containers, expected none:\n${sample}`);
    }
}

/** Medians of one size. */
interface SizeResult {
    containers: number;
    repetitions: number;
    floorMs: number;
    packMs: number;
    packAnalyzeMs: number;
    packAnalyzeStackMs: number;
    floorAnalyzeMs: number;
    floorAnalyzeStackMs: number;
    /** Median of the ratios pack/floor of the runs paired by repetition. */
    pairedRatio: number;
}

/**
 * Measures the pack's verdict on each size against the no-op pack, alternating which of the two
 * runs first in each repetition, and returns the medians. Both packs stay up for the whole run.
 */
export async function measurePack(log: (line: string) => void, sizes: readonly PackBenchSize[]): Promise<SizeResult[]> {
    log("pack bench: starting the BEV pack and the no-op pack");
    const [pack, floor] = await Promise.all([startPack("BEV pack", PACK_DIR), startPack("no-op pack", NOOP_PACK_DIR)]);
    try {
        await configure(pack);
        await configure(floor);
        // One untimed run of each pack warms up the JIT of both processes and of this one.
        const warmup = benchResources(500);
        const warmupProviders = providersOf(warmup);
        for (const subject of [floor, pack]) {
            expectNoDiagnostics(subject, 500, await runVerdict(subject.server, warmup, warmupProviders));
        }

        const results: SizeResult[] = [];
        for (const size of sizes) {
            const resources = benchResources(size.containers);
            const providers = providersOf(resources);
            const runs: { pack: VerdictTiming; floor: VerdictTiming }[] = [];
            for (let rep = 0; rep < size.repetitions; rep++) {
                const order = rep % 2 === 0 ? [floor, pack] : [pack, floor];
                const timings = new Map<StartedPack, VerdictTiming>();
                for (const subject of order) {
                    const timing = await runVerdict(subject.server, resources, providers);
                    expectNoDiagnostics(subject, size.containers, timing);
                    timings.set(subject, timing);
                }
                const run = { pack: timings.get(pack)!, floor: timings.get(floor)! };
                runs.push(run);
                log(
                    `pack bench: ${size.containers} containers, repetition ${rep + 1}/${size.repetitions}: ` +
                        `pack ${formatMs(run.pack.totalMs)}, floor ${formatMs(run.floor.totalMs)}`,
                );
            }
            results.push({
                containers: size.containers,
                repetitions: size.repetitions,
                floorMs: median(runs.map((r) => r.floor.totalMs)),
                packMs: median(runs.map((r) => r.pack.totalMs)),
                packAnalyzeMs: median(runs.map((r) => r.pack.analyzeMs)),
                packAnalyzeStackMs: median(runs.map((r) => r.pack.analyzeStackMs)),
                floorAnalyzeMs: median(runs.map((r) => r.floor.analyzeMs)),
                floorAnalyzeStackMs: median(runs.map((r) => r.floor.analyzeStackMs)),
                pairedRatio: median(runs.map((r) => r.pack.totalMs / r.floor.totalMs)),
            });
        }
        return results;
    } finally {
        await Promise.all([pack.server.stop(), floor.server.stop()]);
    }
}

function providersOf(resources: readonly RecordedResource[]): (RecordedResource | undefined)[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return resources.map((r) => providerOf(r, byUrn));
}

/** Maximum ratio of pack to floor that meets the target. */
const RATIO_TARGET = 1.5;
/**
 * Maximum growth of the time per container from the smallest to the largest size that still
 * counts as linear; above it the growth is superlinear.
 */
const LINEAR_TOLERANCE = 1.5;

/** Formats the measured sizes as a Markdown section. */
export function formatPackSection(results: readonly SizeResult[]): string {
    const perContainer = (ms: number, containers: number) => `${((ms * 1000) / containers).toFixed(0)} µs`;
    const rows = results.map((r) => [
        r.containers.toLocaleString("en-US"),
        String(r.repetitions),
        formatMs(r.floorMs),
        formatMs(r.packMs),
        formatRatio(r.packMs / r.floorMs),
        formatRatio(r.pairedRatio),
        perContainer(r.floorMs, r.containers),
        perContainer(r.packMs, r.containers),
    ]);
    const phaseRows = results.map((r) => [
        r.containers.toLocaleString("en-US"),
        formatMs(r.floorAnalyzeMs),
        formatMs(r.packAnalyzeMs),
        formatRatio(r.packAnalyzeMs / r.floorAnalyzeMs),
        formatMs(r.floorAnalyzeStackMs),
        formatMs(r.packAnalyzeStackMs),
        formatRatio(r.packAnalyzeStackMs / r.floorAnalyzeStackMs),
    ]);

    const worstRatio = Math.max(...results.map((r) => r.pairedRatio));
    const perContainerMs = results.map((r) => r.packMs / r.containers);
    const growth = perContainerMs[perContainerMs.length - 1] / perContainerMs[0];
    const ratioMet = worstRatio <= RATIO_TARGET;
    const linearMet = growth <= LINEAR_TOLERANCE;

    return [
        "## Policy pack verdict",
        "",
        "`bench/pack.ts` starts the BEV policy pack (`policies/`) and a pack of one no-op resource policy " +
            "(`bench/fixtures/noop-pack`), both through the SDK's `run-policy-pack` as the Pulumi CLI starts a pack, " +
            "and sends each the same stack over the analyzer gRPC protocol: Analyze for every resource in order, " +
            "then one AnalyzeStack of all resources, as `pulumi preview` does. The containers are spread over " +
            `${NODE_COUNT} nodes of ${GPUS_PER_NODE} GPUs each; one in ${GPU_EVERY} requests a GPU with a VRAM budget, ` +
            `one in ${SECRET_EVERY} has a secret environment value, and every verdict must be a clean pass. ` +
            "Each repetition runs both packs back to back, alternating which goes first, after one untimed warm-up run. " +
            "Times are wall-clock medians of the whole verdict as the client sees it.",
        "",
        markdownTable(
            [
                "Containers",
                "Repetitions",
                "No-op pack",
                "BEV pack",
                "Ratio of medians",
                "Median paired ratio",
                "No-op per container",
                "BEV per container",
            ],
            rows,
        ),
        "",
        "Split by call (medians):",
        "",
        markdownTable(
            ["Containers", "Analyze, no-op", "Analyze, BEV", "Ratio", "AnalyzeStack, no-op", "AnalyzeStack, BEV", "Ratio"],
            phaseRows,
        ),
        "",
        `Targets: the BEV pack within ${RATIO_TARGET}x of the no-op pack at every size, and linear growth ` +
            `(time per container at the largest size within ${LINEAR_TOLERANCE}x of the smallest).`,
        "",
        `- Ratio: worst median paired ratio ${formatRatio(worstRatio)}, so the target is ${ratioMet ? "met" : "not met"}.`,
        `- Growth: time per container changes by ${formatRatio(growth)} from ` +
            `${results[0].containers.toLocaleString("en-US")} to ${results[results.length - 1].containers.toLocaleString("en-US")} ` +
            `containers, so the target is ${linearMet ? "met" : "not met"}.`,
        "",
    ].join("\n");
}

/** Runs the pack benchmark and returns its Markdown section. Progress goes to `log`. */
export async function benchPack(
    log: (line: string) => void,
    sizes: readonly PackBenchSize[] = DEFAULT_PACK_SIZES,
): Promise<string> {
    return formatPackSection(await measurePack(log, sizes));
}
