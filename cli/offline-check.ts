/**
 * The offline check: runs the program for each node stack without the Pulumi CLI and sends the
 * resources it declares to the policy pack over the analyzer protocol, as `pulumi preview
 * --policy-pack` does.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { DimensionUsage, dimensionsOf, summarizeNode } from "../model/capacity";
import { DOCKER_HOST_PATTERN } from "../model/labels";
import { InputError, formatCores, formatGiB, formatPercent, percentOf } from "../model/units";
import { CONTAINER_TYPE, readContainer, toAllocation } from "../policies/containers";
import { SHIPPED_SOURCE, loadInventory } from "../stacks/inventory";
import { StatedFigure, StatedNodeFigures, statedFigures } from "../stacks/plan-figures";
import type { Inventory } from "../stacks/schema";
import type { AnalyzerInfo, Diagnostic, EnforcementLevel, PolicyPackConfig, PolicyPackProcess } from "./analyzer";
import type { RecordedResource } from "./engine";
import { launchCompiledPack, launchPack, stopPack } from "./pack-launch";
import { StackConfig, listStacks, readProjectName, readStackConfig } from "./stacks";

export interface CheckOptions {
    /** Project root with `Pulumi.yaml` and the stack files. */
    projectDir: string;
    /** Compiled program entry point. */
    program: string;
    /** Policy pack folder, started through the SDK's `run-policy-pack` as the Pulumi CLI does. */
    policyPack: string;
    /**
     * The same pack compiled to JavaScript, such as `dist/policies/index.js`. When set, the check
     * starts this file with `node` instead, which skips ts-node's compile and type-check of the pack.
     */
    policyPackEntry?: string;
    /** Stacks to check; all stacks with a `Pulumi.<stack>.yaml` when empty. */
    stacks: string[];
    /** Plan to check instead of each stack's `bev:plan`. */
    plan?: string;
    /** Inventory file to use instead of the shipped inventory (or the stack's `bev:inventory`). */
    inventory?: string;
    /** `--policy-pack-config` file. */
    policyPackConfig?: string;
    /** Run as a preview (unknown values possible) or as an update. */
    preview: boolean;
}

/** One dimension of a node as the report shows it. */
export interface DimensionReport {
    kind: DimensionUsage["kind"];
    device?: string;
    label: string;
    /** `GiB` for memory and VRAM, `cores` for CPU. */
    unit: "GiB" | "cores";
    allocated: number;
    capacity: number;
    percent: number;
    over: boolean;
}

export interface StackReport {
    stack: string;
    node: string;
    plan: string;
    inventory: string;
    containers: number;
    dimensions: DimensionReport[];
    /** Differences between the plan's own figures and the computed ones. */
    planDifferences: string[];
    violations: Diagnostic[];
}

export interface CheckResult {
    policyPack: { name: string; version: string };
    stacks: StackReport[];
    /** True when no mandatory policy failed in any stack. */
    passed: boolean;
}

/** A policy of the pack with the enforcement level the check configured it with. */
export interface PolicyReport {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
}

/** The check's result and the policies it ran, which the CI report formats list even when they pass. */
export interface CheckRun {
    result: CheckResult;
    policies: PolicyReport[];
}

/** Runs the check; throws `InputError` on bad input. */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
    return (await runCheckWithPolicies(options)).result;
}

/** Runs the check like `runCheck` and also returns each policy with its configured level. */
export async function runCheckWithPolicies(options: CheckOptions): Promise<CheckRun> {
    // The pack's process starts first, as it takes about as long to get ready as this one takes to
    // read the input, load the Pulumi SDK and run the first program. Bad input stops it before it
    // judges anything, so bad input never yields partial results.
    const launched =
        options.policyPackEntry === undefined
            ? launchPack(options.policyPack)
            : launchCompiledPack(options.policyPack, options.policyPackEntry);
    let connecting: Promise<PolicyPackProcess> | undefined;
    try {
        const project = readProjectName(options.projectDir);
        const stackNames = options.stacks.length > 0 ? options.stacks : listStacks(options.projectDir);
        if (stackNames.length === 0) {
            throw new InputError(options.projectDir, "no Pulumi.<stack>.yaml files found; create one per node");
        }
        const stacks = stackNames.map((name) => withOverrides(readStackConfig(options.projectDir, project, name), options));
        const validateUserConfig = await readUserConfig(options.policyPackConfig);
        const fromFlags = { plan: options.plan !== undefined, inventory: options.inventory !== undefined };
        const inputs = stacks.map((stack) => resolveStackInput(stack, options.projectDir, fromFlags));

        // gRPC and the Pulumi SDK load only once the input is valid, so bad input fails fast.
        const { PolicyPackProcess, providerOf } = await import("./analyzer");
        connecting = handled(PolicyPackProcess.connect(launched));
        // Errors surface where the promises are awaited, after the programs have run.
        const described = handled(
            connecting.then(async (pack) => {
                const info = await pack.getAnalyzerInfo();
                return { pack, info, userConfig: validateUserConfig(info) };
            }),
        );
        const { runProgram } = await import("./engine");
        // Each stack is judged while the next program runs, as the pack works in its own process.
        // Its config is global, so a stack is configured only once the stack before it is judged.
        const judged: Promise<StackReport>[] = [];
        for (const [index, stack] of stacks.entries()) {
            const run = await runProgram({ program: options.program, project, stack: stack.name, config: stack.config, preview: options.preview });
            const previous = judged.at(-1);
            judged.push(
                handled(
                    (async () => {
                        await previous;
                        const { pack, info, userConfig } = await described;
                        // The pack judges against the nodes of the inventory this stack deploys,
                        // unless the user's pack config names capacities itself.
                        await Promise.all([
                            pack.configure(buildPolicyConfig(info, userConfig, toPackNodes(inputs[index].inventory))),
                            pack.configureStack({ project, stack: run.stack, dryRun: options.preview }),
                        ]);
                        const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
                        // The engine sends Analyze for each resource as it registers, so the calls
                        // overlap. AnalyzeStack follows once all resources are registered.
                        const perResource = await Promise.all(run.resources.map((r) => pack.analyze(r, providerOf(r, byUrn))));
                        const stackWide = await pack.analyzeStack(run.resources);
                        return buildReport(run.stack, inputs[index], run.resources, [...perResource.flat(), ...stackWide]);
                    })(),
                ),
            );
        }
        const reports = await Promise.all(judged);
        const { info, userConfig } = await described;
        // Enforcement levels do not depend on the nodes, so every stack runs with these.
        const levels = buildPolicyConfig(info, userConfig);
        return {
            result: {
                policyPack: { name: info.name, version: info.version },
                stacks: reports,
                passed: reports.every((r) => r.violations.every((v) => v.enforcementLevel !== "mandatory")),
            },
            policies: info.policies.map((p) => ({
                name: p.name,
                description: p.description,
                enforcementLevel: levels[p.name].enforcementLevel ?? p.enforcementLevel,
            })),
        };
    } finally {
        // Stopping the process first ends a start still under way at once.
        await stopPack(launched);
        await (await connecting?.catch(() => undefined))?.stop();
    }
}

/**
 * Marks `promise` as handled and returns it unchanged. Its rejection still surfaces where it is
 * awaited later, but does not count as unhandled in the meantime.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => undefined);
    return promise;
}

/**
 * Reads the `--policy-pack-config` file now, so that a broken file fails before anything starts,
 * and returns the check of its values against the pack's schemas. The JSON Schema validator loads
 * only when there is a file.
 */
async function readUserConfig(file: string | undefined): Promise<(info: AnalyzerInfo) => PolicyPackConfig> {
    if (file === undefined) {
        return () => ({});
    }
    const { readPolicyPackConfig, validatePolicyPackConfig } = await import("./pack-config");
    const raw = readPolicyPackConfig(file);
    return (info) => validatePolicyPackConfig(info, raw, file);
}

function withOverrides(stack: StackConfig, options: CheckOptions): StackConfig {
    const config = { ...stack.config };
    const structured = new Set(stack.structured);
    if (options.plan !== undefined) {
        config["bev:plan"] = options.plan;
        structured.delete("bev:plan");
    }
    if (options.inventory !== undefined) {
        config["bev:inventory"] = path.resolve(options.inventory);
        structured.delete("bev:inventory");
    }
    return { ...stack, config, structured };
}

interface StackInput {
    node: string;
    plan: string;
    inventory: Inventory;
}

/** The stack settings the command line gave, so that errors name the flag rather than the stack file. */
interface FromFlags {
    plan: boolean;
    inventory: boolean;
}

function resolveStackInput(stack: StackConfig, projectDir: string, fromFlags: FromFlags): StackInput {
    const required = (key: string): string => {
        const value = stack.config[key];
        if (value === undefined || value === "") {
            throw new InputError(`${stack.file}: config.${key}`, `missing; set it with \`pulumi config set ${key} <value> --stack ${stack.name}\``);
        }
        if (stack.structured.has(key)) {
            throw new InputError(`${stack.file}: config.${key}`, `expected a plain value, got ${value}`);
        }
        return value;
    };
    const node = required("bev:node");
    const plan = required("bev:plan");
    const dockerHost = required("bev:dockerHost");
    if (!DOCKER_HOST_PATTERN.test(dockerHost)) {
        throw new InputError(
            `${stack.file}: config.bev:dockerHost`,
            `invalid Docker host ${JSON.stringify(dockerHost)}: expected unix://, tcp://, ssh:// or npipe:// followed by an ` +
                "address, such as ssh://bev@thanos",
        );
    }
    const inventoryFile = stack.config["bev:inventory"];
    if (inventoryFile !== undefined && stack.structured.has("bev:inventory")) {
        throw new InputError(`${stack.file}: config.bev:inventory`, `expected a file path, got ${inventoryFile}`);
    }
    const inventoryPath = inventoryFile === undefined ? undefined : path.resolve(projectDir, inventoryFile);
    if (inventoryPath !== undefined && !fromFlags.inventory && !fs.existsSync(inventoryPath)) {
        throw new InputError(
            `${stack.file}: config.bev:inventory`,
            `inventory file ${inventoryPath} not found; a relative path is read from ${projectDir}`,
        );
    }
    const inventory = loadInventory(inventoryPath);
    const nodes = Object.keys(inventory.nodes);
    if (inventory.nodes[node] === undefined) {
        // Every stack runs by default, and an inventory of the user's own may lack the shipped nodes.
        const hint = fromFlags.inventory ? `. Check only this inventory's nodes with --stack ${nodes.join(",")}` : "";
        throw new InputError(
            `${stack.file}: config.bev:node`,
            `unknown node "${node}" in ${inventory.source}: expected one of ${nodes.join(", ")}${hint}`,
        );
    }
    if (inventory.plans[plan] === undefined) {
        const hint = !fromFlags.plan && fromFlags.inventory ? ". Choose one with --plan" : "";
        throw new InputError(
            fromFlags.plan ? "--plan" : `${stack.file}: config.bev:plan`,
            `unknown plan "${plan}" in ${inventory.source}: expected one of ${Object.keys(inventory.plans).join(", ")}${hint}`,
        );
    }
    return { node, plan, inventory };
}

/**
 * Builds the config the CLI sends with Configure: each policy's enforcement level and its schema
 * defaults, overridden by the user's `--policy-pack-config` (where `all` sets every level).
 */
export function buildPolicyConfig(info: AnalyzerInfo, user: PolicyPackConfig, nodes?: Record<string, unknown>): PolicyPackConfig {
    const known = new Set(info.policies.map((p) => p.name));
    for (const name of Object.keys(user)) {
        if (name !== "all" && !known.has(name)) {
            throw new InputError(
                "--policy-pack-config",
                `unknown policy "${name}" in ${info.name}: expected "all" or one of ${[...known].join(", ")}`,
            );
        }
    }
    const allLevel = (user.all as { enforcementLevel?: PolicyPackConfig[string]["enforcementLevel"] } | undefined)?.enforcementLevel;
    const config: PolicyPackConfig = {};
    for (const policy of info.policies) {
        const defaults: Record<string, unknown> = {};
        for (const [property, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            const fallback = (schema as { default?: unknown }).default;
            if (property === "nodes" && nodes !== undefined) {
                defaults[property] = nodes;
            } else if (fallback !== undefined) {
                defaults[property] = fallback;
            }
        }
        config[policy.name] = {
            ...defaults,
            ...user[policy.name],
            enforcementLevel: user[policy.name]?.enforcementLevel ?? allLevel ?? policy.enforcementLevel,
        };
    }
    return config;
}

/** Converts an inventory's hardware catalog to the `nodes` config the capacity policies take. */
export function toPackNodes(inventory: Inventory): Record<string, unknown> {
    const nodes: Record<string, unknown> = {};
    for (const node of Object.values(inventory.nodes)) {
        nodes[node.name] = {
            memory: `${node.memoryMiB}m`,
            cpus: node.cpuMillicores / 1000,
            arch: node.arch,
            gpus: node.gpus.map((gpu) => ({ id: gpu.id, model: gpu.model, vram: `${gpu.vramMiB}m` })),
        };
    }
    return nodes;
}

function buildReport(stack: string, input: StackInput, resources: RecordedResource[], violations: Diagnostic[]): StackReport {
    const node = input.inventory.nodes[input.node];
    const containers = resources
        .filter((r) => r.type === CONTAINER_TYPE)
        .map((r) => readContainer(r.urn, r.name, r.inputs.toJavaScript() as Record<string, unknown>))
        .filter((c) => c.node === undefined || c.node === input.node);
    const usage = summarizeNode(node, containers.map(toAllocation));
    const dimensions: DimensionReport[] = dimensionsOf(usage).map((d) => ({
        kind: d.kind,
        ...(d.device === undefined ? {} : { device: d.device }),
        label: d.label,
        unit: d.kind === "cpu" ? "cores" : "GiB",
        allocated: d.kind === "cpu" ? d.requested / 1000 : d.requested / 1024,
        capacity: d.kind === "cpu" ? d.capacity / 1000 : d.capacity / 1024,
        percent: d.percent,
        over: d.requested > d.capacity,
    }));
    return {
        stack,
        node: input.node,
        plan: input.plan,
        inventory: input.inventory.source,
        containers: containers.length,
        dimensions,
        // The plan's figures describe the shipped inventory only.
        planDifferences:
            input.inventory.source === SHIPPED_SOURCE
                ? comparePlanFigures(statedFigures[input.plan]?.[input.node], usage.memory, usage.cpu, usage.vram)
                : [],
        violations: violations.sort(bySeverity),
    };
}

function bySeverity(a: Diagnostic, b: Diagnostic): number {
    const rank = (d: Diagnostic) => (d.enforcementLevel === "mandatory" ? 0 : 1);
    return rank(a) - rank(b);
}

/**
 * Lists where the plan's stated figures differ from the computed ones. A figure differs when the
 * computed value, rounded to the precision the plan wrote, is not the plan's value.
 */
export function comparePlanFigures(
    stated: StatedNodeFigures | undefined,
    memory: DimensionUsage,
    cpu: DimensionUsage,
    vram: DimensionUsage[],
): string[] {
    if (stated === undefined) {
        return [];
    }
    const differences: string[] = [];
    const compare = (figure: StatedFigure | undefined, computed: number, shown: string, what: string) => {
        if (figure === undefined) {
            return;
        }
        const scale = 10 ** figure.decimals;
        if (Math.round(computed * scale) / scale !== figure.value) {
            differences.push(`${what}: computed ${shown}, the plan states ${figure.value} ("${figure.text}")`);
        }
    };
    compare(stated.memory, memory.requested / 1024, `${formatGiB(memory.requested)} GiB`, "memory");
    compare(stated.memoryPercent, memory.percent, `${formatPercent(memory.percent)} %`, "memory percent");
    compare(stated.cpu, cpu.requested / 1000, `${formatCores(cpu.requested)} cores`, "CPU");
    compare(stated.cpuPercent, cpu.percent, `${formatPercent(cpu.percent)} %`, "CPU percent");
    const vramTotal = vram.reduce((total, d) => total + d.requested, 0);
    const vramCapacity = vram.reduce((total, d) => total + d.capacity, 0);
    const vramPercent = vramCapacity === 0 ? 0 : percentOf(vramTotal, vramCapacity);
    compare(stated.vram, vramTotal / 1024, `${formatGiB(vramTotal)} GiB`, "VRAM");
    compare(stated.vramPercent, vramPercent, `${formatPercent(vramPercent)} %`, "VRAM percent");
    return differences;
}
