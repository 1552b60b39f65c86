/**
 * Property test: for random inventories, the capacity policies' verdict over the analyzer protocol
 * equals the pure model's verdict computed from the same numbers.
 *
 * One pack process serves every run and is configured anew with each inventory's nodes. Sizes are
 * drawn as a capacity plus a fill, and a fill is often a boundary: exactly full, one MiB or one
 * millicore over, or one under.
 *
 * The pack computes its verdict with the same summarizeNode and findOverflows, so an error inside
 * them would show on both sides. Each run therefore also checks the model's overflows against
 * plain sums of the generated numbers, and a failure names the side that is wrong.
 *
 * Environment: FC_RUNS sets the number of inventories (default 2000), FC_SEED the seed (default:
 * random, printed in the summary line), and FC_PATH replays one counterexample together with the
 * FC_SEED that fast-check prints on failure.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";

import fc from "fast-check";

import type { RecordedResource } from "../cli/engine";
import { AnalyzerInfo, Diagnostic, PolicyPackProcess } from "../cli/analyzer";
import { buildPolicyConfig, toPackNodes } from "../cli/offline-check";
import { Allocation, DimensionKind, NodeCapacity, Overflow, findOverflows, summarizeNode } from "../model/capacity";
import type { Inventory } from "../stacks/schema";
import { baseResources, container } from "./engine-resources";

const PACK_DIR = path.resolve(__dirname, "..", "..", "policies");

const DEFAULT_RUNS = 2000;

const POLICY_OF_KIND: Record<DimensionKind, string> = {
    memory: "memory-within-node-capacity",
    cpu: "cpu-within-node-capacity",
    vram: "vram-within-gpu-capacity",
};
const CAPACITY_POLICIES = new Set(Object.values(POLICY_OF_KIND));

/** Reads a whole number from the environment. Returns undefined when the variable is unset or empty. */
function integerFromEnv(variable: string, min: number): number | undefined {
    const text = process.env[variable];
    if (text === undefined || text === "") {
        return undefined;
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) {
        throw new Error(`invalid ${variable}=${JSON.stringify(text)}: expected a whole number of at least ${min}`);
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
// Generated inventories

/** One container as the test declares it: the numbers the model gets and the `cpus` string the pack gets. */
interface GeneratedContainer {
    name: string;
    memoryMiB: number;
    cpuMillicores: number;
    /** `cpuMillicores` written as Docker's `--cpus`, with 0 to 3 decimals. */
    cpus: string;
    /** VRAM budget per device id, in MiB. */
    vramMiB: Record<string, number>;
    /** Whether the container requests its budgeted GPUs through `deviceRequests`. */
    requestsGpu: boolean;
}

interface GeneratedNode {
    capacity: NodeCapacity;
    containers: GeneratedContainer[];
}

interface GeneratedInventory {
    nodes: GeneratedNode[];
}

/** How full a dimension is drawn: capacity plus `delta`, or `permille` of the capacity. */
type Fill = { delta: -1 | 0 | 1 } | { permille: number };

const fillArbitrary: fc.Arbitrary<Fill> = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Fill>({ delta: 0 }) },
    { weight: 2, arbitrary: fc.constant<Fill>({ delta: 1 }) },
    { weight: 2, arbitrary: fc.constant<Fill>({ delta: -1 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 1500 }).map((permille): Fill => ({ permille })) },
);

/** Draws capacities in MiB or millicores: any value (odd ones included), whole multiples of `unit`, or tiny values. */
function capacityArbitrary(max: number, unit: number): fc.Arbitrary<number> {
    return fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max }) },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: Math.floor(max / unit) }).map((n) => n * unit) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }) },
    );
}

const weightArbitrary = fc.integer({ min: 1, max: 1000 });

const containerParameters = fc.record({
    memoryWeight: weightArbitrary,
    cpuWeight: weightArbitrary,
    cpuDecimals: fc.integer({ min: 0, max: 3 }),
    /** Bit i set: the container budgets VRAM on the node's i-th GPU, if the node has one. */
    gpuMask: fc.integer({ min: 0, max: 7 }),
    vramWeights: fc.tuple(weightArbitrary, weightArbitrary, weightArbitrary),
    /** VRAM budget on a device id the node lacks, which the model counts against a capacity of 0. */
    absentDeviceVramMiB: fc.oneof(
        { weight: 15, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 8192 }) },
    ),
    /** Budgets VRAM by label without a GPU request. The VRAM policy counts such a budget all the same. */
    labelOnly: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const nodeParameters = fc.record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    memoryMiB: capacityArbitrary(2 * 1024 * 1024, 1024),
    cpuMillicores: capacityArbitrary(256_000, 1000),
    memoryFill: fillArbitrary,
    cpuFill: fillArbitrary,
    gpus: fc.uniqueArray(
        fc.record({
            /** Device index; a node's indices need not start at 0 or be contiguous. */
            id: fc.integer({ min: 0, max: 7 }),
            vramMiB: capacityArbitrary(96 * 1024, 1024),
            fill: fillArbitrary,
            model: fc.constantFrom("NVIDIA GeForce RTX 3080", "NVIDIA GeForce RTX 4090", "NVIDIA A100 80GB PCIe"),
        }),
        { maxLength: 3, selector: (gpu) => gpu.id },
    ),
    containers: fc.array(containerParameters, { maxLength: 7 }),
});

type NodeParameters = typeof nodeParameters extends fc.Arbitrary<infer T> ? T : never;

const inventoryArbitrary: fc.Arbitrary<GeneratedInventory> = fc
    .uniqueArray(nodeParameters, { minLength: 1, maxLength: 4, selector: (node) => node.name })
    .map((nodes) => ({ nodes: nodes.map(buildNode) }));

/** Returns the total that `fill` gives against `capacity`, at least 1 for each of `parts` containers. */
function fillTotal(capacity: number, fill: Fill, parts: number): number {
    if (parts === 0) {
        return 0;
    }
    const total = "delta" in fill ? capacity + fill.delta : Math.floor((capacity * fill.permille) / 1000);
    return Math.max(total, parts);
}

/** Splits `total` into one whole part of at least 1 per weight, roughly in proportion to the weights. */
function split(total: number, weights: number[]): number[] {
    const weightSum = weights.reduce((sum, w) => sum + w, 0);
    const spare = total - weights.length;
    const parts = weights.map((w) => 1 + Math.floor((spare * w) / weightSum));
    let remainder = total - parts.reduce((sum, p) => sum + p, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % parts.length) {
        parts[i] += 1;
        remainder -= 1;
    }
    return parts;
}

/** Writes millicores as Docker's `--cpus` string with at least `minDecimals` decimals, such as "1.5" or "1.500". */
function toCpusString(millicores: number, minDecimals: number): string {
    const whole = Math.floor(millicores / 1000);
    let fraction = String(millicores % 1000).padStart(3, "0");
    while (fraction.length > minDecimals && fraction.endsWith("0")) {
        fraction = fraction.slice(0, -1);
    }
    return fraction === "" ? String(whole) : `${whole}.${fraction}`;
}

function buildNode(parameters: NodeParameters): GeneratedNode {
    const capacity: NodeCapacity = {
        name: parameters.name,
        memoryMiB: parameters.memoryMiB,
        cpuMillicores: parameters.cpuMillicores,
        gpus: parameters.gpus.map((gpu) => ({ id: String(gpu.id), model: gpu.model, vramMiB: gpu.vramMiB })),
    };
    const count = parameters.containers.length;
    const memory = split(
        fillTotal(capacity.memoryMiB, parameters.memoryFill, count),
        parameters.containers.map((c) => c.memoryWeight),
    );
    const cpu = split(
        fillTotal(capacity.cpuMillicores, parameters.cpuFill, count),
        parameters.containers.map((c) => c.cpuWeight),
    );
    const containers: GeneratedContainer[] = parameters.containers.map((c, index) => ({
        name: `${parameters.name}-${index}`,
        memoryMiB: memory[index],
        cpuMillicores: cpu[index],
        cpus: toCpusString(cpu[index], c.cpuDecimals),
        vramMiB: {},
        requestsGpu: false,
    }));

    parameters.gpus.forEach((gpu, position) => {
        const users = parameters.containers.flatMap((c, index) => ((c.gpuMask >> position) & 1 ? [index] : []));
        if (users.length === 0) {
            return;
        }
        const budgets = split(
            fillTotal(gpu.vramMiB, gpu.fill, users.length),
            users.map((index) => parameters.containers[index].vramWeights[position]),
        );
        users.forEach((index, i) => {
            containers[index].vramMiB[String(gpu.id)] = budgets[i];
        });
    });

    const ids = new Set(parameters.gpus.map((gpu) => gpu.id));
    let absentId = 0;
    while (ids.has(absentId)) {
        absentId += 1;
    }
    parameters.containers.forEach((c, index) => {
        if (c.absentDeviceVramMiB !== undefined) {
            containers[index].vramMiB[String(absentId)] = c.absentDeviceVramMiB;
        }
        containers[index].requestsGpu = Object.keys(containers[index].vramMiB).length > 0 && !c.labelOnly;
    });
    return { capacity, containers };
}

// ---------------------------------------------------------------------------------------------
// Both sides of the comparison

/** Wraps the generated nodes in an inventory, the type the offline check passes to `toPackNodes`. */
function toInventory(generated: GeneratedInventory): Inventory {
    const nodes: Inventory["nodes"] = {};
    for (const { capacity } of generated.nodes) {
        nodes[capacity.name] = { ...capacity, arch: "amd64" };
    }
    return { source: "property test", nodes, plans: {} };
}

function toResource(node: GeneratedNode, generated: GeneratedContainer): RecordedResource {
    const vram = Object.fromEntries(Object.entries(generated.vramMiB).map(([device, mib]) => [device, String(mib)]));
    return container(generated.name, {
        node: node.capacity.name,
        memory: generated.memoryMiB,
        cpus: generated.cpus,
        vram,
        gpu: generated.requestsGpu,
    });
}

/** An overflow as read back from a capacity policy's message. */
interface ReportedOverflow {
    policy: string;
    node: string;
    label: string;
    requested: number;
    capacity: number;
    overflow: number;
    percent: number;
    contributors: { service: string; amount: number; urn: string }[];
    /** Count from the "and N more" line, 0 without it. */
    hidden: number;
}

const OVERFLOW_MESSAGE =
    /^Node (.+?) is over capacity in (.+?): its containers' (memory limits|CPU limits|VRAM budgets) total (.+?) against (.+?) physical \((.+?) %\), (.+?) over\. Lower the limits or move services to another node\. Largest contributors:\n([\s\S]*)$/;
const BUDGET_KINDS: Record<string, DimensionKind> = { "memory limits": "memory", "CPU limits": "cpu", "VRAM budgets": "vram" };

/**
 * Reads an amount as the pack writes it back into MiB or millicores: `64.00 GiB`,
 * `64.00 GiB (65537 MiB)`, `1 core` or `4.001 cores`. Also checks that the GiB figure is the MiB
 * rounded to two decimals and that `core` is singular for exactly one core.
 */
function parseAmount(kind: DimensionKind, text: string): number {
    if (kind === "cpu") {
        const match = /^(\d+)(?:\.(\d{1,3}))? (cores?)$/.exec(text);
        assert.ok(match, `unreadable CPU amount ${JSON.stringify(text)}`);
        const [, whole, fraction = "", unit] = match;
        const millicores = Number(whole) * 1000 + Number(fraction.padEnd(3, "0"));
        assert.equal(unit === "core", millicores === 1000, `wrong singular or plural in ${JSON.stringify(text)}`);
        return millicores;
    }
    const match = /^(\d+)\.(\d\d) GiB(?: \((\d+) MiB\))?$/.exec(text);
    assert.ok(match, `unreadable size ${JSON.stringify(text)}`);
    const [, whole, hundredths, exactMiB] = match;
    const gibHundredths = Number(whole) * 100 + Number(hundredths);
    if (exactMiB === undefined) {
        assert.equal((gibHundredths * 1024) % 100, 0, `${JSON.stringify(text)} is not a whole number of MiB but has no MiB figure`);
        return (gibHundredths * 1024) / 100;
    }
    const mib = Number(exactMiB);
    // Rounding to hundredths of a GiB moves the figure by at most half a hundredth, 512/100 MiB.
    assert.ok(Math.abs(gibHundredths * 1024 - mib * 100) <= 512, `${JSON.stringify(text)}: the GiB figure is not the MiB rounded`);
    assert.notEqual(gibHundredths * 1024, mib * 100, `${JSON.stringify(text)}: the MiB figure repeats an exact GiB figure`);
    return mib;
}

function parseOverflow(diagnostic: Diagnostic): ReportedOverflow {
    // The policy SDK puts the policy's description on the first line of every message.
    const prefix = `${diagnostic.description}\n`;
    assert.ok(diagnostic.message.startsWith(prefix), `message without the description line:\n${diagnostic.message}`);
    const match = OVERFLOW_MESSAGE.exec(diagnostic.message.slice(prefix.length));
    assert.ok(match, `${diagnostic.policyName} reported something other than an overflow:\n${diagnostic.message}`);
    const [, node, label, budget, requested, capacity, percent, overflow, contributorLines] = match;
    const kind = BUDGET_KINDS[budget];
    assert.equal(diagnostic.policyName, POLICY_OF_KIND[kind], `a ${kind} overflow reported by ${diagnostic.policyName}`);

    const contributors: ReportedOverflow["contributors"] = [];
    let hidden = 0;
    for (const line of contributorLines.split("\n")) {
        const more = /^ {2}and (\d+) more$/.exec(line);
        if (more) {
            hidden = Number(more[1]);
            continue;
        }
        const entry = /^ {2}(.+?): (.+) \((urn:[^()]*)\)$/.exec(line);
        assert.ok(entry, `unreadable contributor line ${JSON.stringify(line)} in:\n${diagnostic.message}`);
        contributors.push({ service: entry[1], amount: parseAmount(kind, entry[2]), urn: entry[3] });
    }

    return {
        policy: diagnostic.policyName,
        node,
        label,
        requested: parseAmount(kind, requested),
        capacity: parseAmount(kind, capacity),
        overflow: parseAmount(kind, overflow),
        percent: percent === "inf" ? Number.POSITIVE_INFINITY : Number(percent),
        contributors,
        hidden,
    };
}

/** Builds the key of one overflow from its policy, node and dimension label. */
function keyOf(policy: string, node: string, label: string): string {
    return `${policy} | ${node} | ${label}`;
}

/** Returns the model's overflows for the same numbers, without going through the pack's readers. */
function modelOverflows(inventory: GeneratedInventory, resources: Map<string, RecordedResource>): Overflow[] {
    return inventory.nodes.flatMap((node) => {
        const allocations: Allocation[] = node.containers.map((c) => ({
            urn: (resources.get(c.name) as RecordedResource).urn,
            service: c.name,
            memoryMiB: c.memoryMiB,
            cpuMillicores: c.cpuMillicores,
            vramMiB: c.vramMiB,
        }));
        return findOverflows(summarizeNode(node.capacity, allocations));
    });
}

/**
 * Lists the over-capacity dimensions from plain sums of the generated numbers, without the model,
 * as `node kind [device]: total > capacity`. A device the node lacks has capacity 0.
 */
function summedOverflows(inventory: GeneratedInventory): string[] {
    const lines: string[] = [];
    for (const { capacity, containers } of inventory.nodes) {
        const sum = (amountOf: (c: GeneratedContainer) => number) => containers.reduce((total, c) => total + amountOf(c), 0);
        const dimensions: [string, number, number][] = [
            ["memory", sum((c) => c.memoryMiB), capacity.memoryMiB],
            ["cpu", sum((c) => c.cpuMillicores), capacity.cpuMillicores],
        ];
        for (const device of new Set(containers.flatMap((c) => Object.keys(c.vramMiB)))) {
            const vramMiB = capacity.gpus.find((gpu) => gpu.id === device)?.vramMiB ?? 0;
            dimensions.push([`vram ${device}`, sum((c) => c.vramMiB[device] ?? 0), vramMiB]);
        }
        for (const [dimension, total, limit] of dimensions) {
            if (total > limit) {
                lines.push(`${capacity.name} ${dimension}: ${total} > ${limit}`);
            }
        }
    }
    return lines.sort();
}

/** Counts of what the runs covered, for the summary line. */
interface Coverage {
    inventories: number;
    rejected: number;
    exactlyFull: number;
    oneOver: number;
    oneUnder: number;
}

// ---------------------------------------------------------------------------------------------

describe("capacity policies against the model", function () {
    let pack: PolicyPackProcess;
    let info: AnalyzerInfo;
    let summary: string | undefined;

    before(async function () {
        this.timeout(120_000);
        pack = await PolicyPackProcess.start(PACK_DIR);
        info = await pack.getAnalyzerInfo();
        await pack.configureStack({ project: "bev", stack: "test", dryRun: true });
    });

    after(async () => {
        await pack?.stop();
        if (summary !== undefined) {
            console.log(summary);
        }
    });

    async function configureNodes(nodes: NodeCapacity[]): Promise<void> {
        const inventory = toInventory({ nodes: nodes.map((capacity) => ({ capacity, containers: [] })) });
        await pack.configure(buildPolicyConfig(info, {}, toPackNodes(inventory)));
    }

    const capacityViolations = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => CAPACITY_POLICIES.has(d.policyName));

    it("applies a new nodes config on each Configure", async () => {
        const stack = [...baseResources(), container("solo-0", { node: "solo", memory: 1000, cpus: "1" })];
        const solo = (memoryMiB: number): NodeCapacity => ({ name: "solo", memoryMiB, cpuMillicores: 1000, gpus: [] });

        await configureNodes([solo(1000)]);
        assert.deepEqual(capacityViolations(await pack.analyzeStack(stack)), []);

        await configureNodes([solo(999)]);
        const violations = capacityViolations(await pack.analyzeStack(stack));
        assert.equal(violations.length, 1);
        assert.equal(violations[0].policyName, "memory-within-node-capacity");
        assert.match(violations[0].message, /total 0\.98 GiB \(1000 MiB\) against 0\.98 GiB \(999 MiB\) physical/);

        await configureNodes([solo(1000)]);
        assert.deepEqual(capacityViolations(await pack.analyzeStack(stack)), []);
    });

    it("rejects exactly the model's overflows", async function () {
        const runs = integerFromEnv("FC_RUNS", 1) ?? DEFAULT_RUNS;
        const seed = integerFromEnv("FC_SEED", -(2 ** 31)) ?? (Date.now() ^ (Math.random() * 2 ** 32)) | 0;
        const replayPath = process.env.FC_PATH || undefined;
        if (replayPath !== undefined && process.env.FC_SEED === undefined) {
            throw new Error(`FC_PATH=${JSON.stringify(replayPath)} needs the FC_SEED that fast-check printed with it`);
        }
        // The bound allows 100 ms per inventory, about five times what one run took on 2 shared cores,
        // so that shrinking a counterexample also fits.
        this.timeout(120_000 + runs * 100);

        const coverage: Coverage = { inventories: 0, rejected: 0, exactlyFull: 0, oneOver: 0, oneUnder: 0 };
        const started = Date.now();

        const property = fc.asyncProperty(inventoryArbitrary, async (inventory) => {
            coverage.inventories += 1;
            await configureNodes(inventory.nodes.map((n) => n.capacity));

            const resources = new Map<string, RecordedResource>();
            for (const node of inventory.nodes) {
                for (const c of node.containers) {
                    resources.set(c.name, toResource(node, c));
                }
            }
            const diagnostics = await pack.analyzeStack([...baseResources(), ...resources.values()]);

            const skipped = diagnostics.filter((d) => /can't run policy/.test(d.message));
            assert.deepEqual(
                skipped.map((d) => `${d.policyName}: ${d.message}`),
                [],
                "a policy was skipped with the SDK's advisory \"can't run policy\"",
            );

            const violations = capacityViolations(diagnostics);
            for (const violation of violations) {
                assert.equal(violation.enforcementLevel, "mandatory", `${violation.policyName} reported at ${violation.enforcementLevel}`);
            }
            const reported = violations.map(parseOverflow);
            const expected = modelOverflows(inventory, resources);
            assert.deepEqual(
                expected
                    .map((o) => `${o.node} ${o.kind}${o.device === undefined ? "" : ` ${o.device}`}: ${o.requested} > ${o.capacity}`)
                    .sort(),
                summedOverflows(inventory),
                "the model's overflows differ from plain sums of the generated numbers, so the model is wrong",
            );
            assert.deepEqual(
                reported.map((r) => keyOf(r.policy, r.node, r.label)).sort(),
                expected.map((o) => keyOf(POLICY_OF_KIND[o.kind], o.node, o.label)).sort(),
                "the pack and the model disagree on which node dimensions are over capacity, so the pack side (config, container reading or protocol) is wrong",
            );

            for (const overflow of expected) {
                const key = keyOf(POLICY_OF_KIND[overflow.kind], overflow.node, overflow.label);
                const actual = reported.find((r) => keyOf(r.policy, r.node, r.label) === key) as ReportedOverflow;
                assert.equal(actual.requested, overflow.requested, `${key}: allocated`);
                assert.equal(actual.capacity, overflow.capacity, `${key}: capacity`);
                assert.equal(actual.overflow, overflow.overflow, `${key}: overflow`);
                assert.equal(actual.percent, overflow.percent, `${key}: percent`);
                assert.ok(actual.contributors.length > 0, `${key}: no contributors listed`);
                assert.deepEqual(
                    actual.contributors,
                    overflow.contributors.slice(0, actual.contributors.length),
                    `${key}: contributors`,
                );
                assert.equal(actual.contributors.length + actual.hidden, overflow.contributors.length, `${key}: contributor count`);
            }

            if (expected.length > 0) {
                coverage.rejected += 1;
            }
            for (const node of inventory.nodes) {
                const usage = summarizeNode(node.capacity, node.containers.map((c) => ({ ...c, urn: c.name, service: c.name })));
                for (const d of [usage.memory, usage.cpu, ...usage.vram]) {
                    coverage.exactlyFull += Number(d.requested > 0 && d.requested === d.capacity);
                    coverage.oneOver += Number(d.requested > 0 && d.requested === d.capacity + 1);
                    coverage.oneUnder += Number(d.requested > 0 && d.requested === d.capacity - 1);
                }
            }
        });

        await fc.assert(property, {
            numRuns: runs,
            seed,
            ...(replayPath === undefined ? {} : { path: replayPath, endOnFailure: true }),
        });

        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        summary =
            `property: ${coverage.inventories} random inventories (seed ${seed}, ${seconds} s), pack and model agreed on all: ` +
            `${coverage.rejected} rejected, ${coverage.inventories - coverage.rejected} accepted; ` +
            `${coverage.exactlyFull} dimensions exactly full, ${coverage.oneOver} one unit over, ${coverage.oneUnder} one unit under`;
    });
});
