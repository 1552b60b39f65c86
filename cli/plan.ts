/**
 * `npm run plan`: finds the placement that meets the headroom targets with the fewest moves, then
 * the least memory moved, and compares it with the hand-made plan.
 * Exit codes: 0 when a plan within the targets is found, and 1 when none is, proven impossible or
 * not found within the solver's limits. In that case it prints the reasons and the best placement
 * at the lowest target where one was found. Exit code 2 is bad input or usage, and 3 a failure of
 * the planner itself.
 */
import * as fs from "node:fs";

import { Command, Option } from "commander";
import { stringify as stringifyYaml } from "yaml";

import { InputError } from "../model/units";
import { chooseStartingPoint, plannedInventory, toProblem } from "../planner/inventory";
import { DEFAULT_PLAN_OPTIONS, PlanResult, SolverChoice, plan } from "../planner/plan";
import { DEFAULT_TARGETS, Problem, Targets, currentPlacement, usageOf } from "../planner/problem";
import { loadInventory } from "../stacks/inventory";
import type { Inventory, ServiceSpec } from "../stacks/schema";
import { EXIT_BAD_INPUT, parseCommandLine } from "./command-line";
import { createParentFolders } from "./files";
import { HandPlan, PlanReport, formatPlanReport } from "./plan-report";

const EXIT_TARGET_IMPOSSIBLE = 1;
const EXIT_INTERNAL_ERROR = 3;

interface PlanCliOptions {
    inventory?: string;
    plan?: string;
    headroom: string;
    memoryHeadroom?: string;
    cpuHeadroom?: string;
    vramHeadroom?: string;
    solver: SolverChoice;
    timeLimit: string;
    output?: string;
    outputPlan: string;
    movesOutput?: string;
    json?: boolean;
}

/** Parses a percentage option; throws `InputError` naming the option. */
function parsePercent(value: string, option: string): number {
    const percent = Number(value);
    if (value.trim() === "" || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
        throw new InputError(option, `invalid percentage ${JSON.stringify(value)}: expected a number above 0 and at most 100, such as 85`);
    }
    return percent;
}

function parseTargets(options: PlanCliOptions): Targets {
    const headroom = parsePercent(options.headroom, "--headroom");
    const pick = (value: string | undefined, option: string) => (value === undefined ? headroom : parsePercent(value, option));
    return {
        memoryPercent: pick(options.memoryHeadroom, "--memory-headroom"),
        cpuPercent: pick(options.cpuHeadroom, "--cpu-headroom"),
        vramPercent: pick(options.vramHeadroom, "--vram-headroom"),
    };
}

function parseTimeLimit(value: string): number {
    const seconds = Number(value);
    if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
        throw new InputError("--time-limit", `invalid time limit ${JSON.stringify(value)}: expected a number of seconds above 0, such as 30`);
    }
    return seconds;
}

/** Figures of the plan to compare with: its moves from the starting nodes and its node sums. */
function buildHandPlan(inventory: Inventory, name: string, start: ServiceSpec[], targets: Targets): HandPlan {
    const services = inventory.plans[name];
    const startNode = new Map(start.map((service) => [service.name, service.node]));
    const moves = services
        .filter((service) => startNode.has(service.name) && startNode.get(service.name) !== service.node)
        .map((service) => ({ service: service.name, from: startNode.get(service.name) as string, to: service.node, memoryMiB: service.memoryMiB }));
    const problem = toProblem(inventory, services, targets);
    return { name, moves, usage: usageOf(problem, currentPlacement(problem)) };
}

function writeOutput(file: string, inventory: Inventory, services: ServiceSpec[], result: PlanResult, planName: string, start: string): void {
    if (result.attempt.status !== "found") {
        return;
    }
    const raw = plannedInventory(inventory, services, result.attempt.solution.placement, planName);
    const header =
        `# Written by npm run plan: plan \`${planName}\` is the placement with the fewest moves that keeps\n` +
        `# every node within the targets. Starting point: ${start}\n`;
    try {
        createParentFolders(file);
        fs.writeFileSync(file, header + stringifyYaml(raw, { lineWidth: 0 }));
    } catch (error) {
        throw new InputError("--output", `cannot write ${file}: ${(error as Error).message}`);
    }
}

/** Writes the ordered moves as the list `npm run migrate -- --moves FILE` reads. */
function writeMoves(file: string, result: PlanResult): void {
    if (result.attempt.status !== "found") {
        return;
    }
    const moves = result.attempt.solution.order.moves.map(({ service, from, to }) => ({ service, from, to }));
    const header = "# Written by npm run plan: the moves in order, for npm run migrate -- --moves.\n";
    try {
        createParentFolders(file);
        fs.writeFileSync(file, header + stringifyYaml(moves, { lineWidth: 0 }));
    } catch (error) {
        throw new InputError("--moves-output", `cannot write ${file}: ${(error as Error).message}`);
    }
}

async function main(argv: string[]): Promise<number> {
    const command = new Command("plan")
        .description(
            "Find the placement of the services that keeps every node within its headroom targets with the fewest moves, " +
                "then the least memory moved.",
        )
        .option("--inventory <file>", "YAML or JSON inventory to use instead of the shipped one")
        .option(
            "--plan <name>",
            "plan to start from, with its limits and nodes as written (default: each service at its rebalanced limits on its " +
                "current node, or the inventory's only plan)",
        )
        .option("--headroom <percent>", "target for every dimension, in percent of physical capacity", String(DEFAULT_TARGETS.memoryPercent))
        .option("--memory-headroom <percent>", "memory target per node, in percent (default: --headroom)")
        .option("--cpu-headroom <percent>", "CPU target per node, in percent (default: --headroom)")
        .option("--vram-headroom <percent>", "VRAM target per GPU card, in percent (default: --headroom)")
        .addOption(
            new Option("--solver <solver>", "auto: MILP for small inventories, heuristic for large ones")
                .choices(["auto", "milp", "heuristic"])
                .default("auto"),
        )
        .option("--time-limit <seconds>", "time limit of each MILP solve, in seconds", String(DEFAULT_PLAN_OPTIONS.timeLimitSeconds))
        .option("--output <file>", "write an inventory YAML with the nodes and the planned placement, if it meets the targets")
        .option("--output-plan <name>", "name of the plan in the --output file", "planned")
        .option("--moves-output <file>", "write the ordered moves as YAML for npm run migrate -- --moves, if the targets are met")
        .option("--json", "print the result as JSON");

    const stop = parseCommandLine(command, argv);
    if (stop !== undefined) {
        return stop;
    }
    const options = command.opts<PlanCliOptions>();

    let report: PlanReport;
    try {
        if (!/^[a-z0-9][a-z0-9_.-]*$/.test(options.outputPlan)) {
            throw new InputError(
                "--output-plan",
                `invalid plan name ${JSON.stringify(options.outputPlan)}: use lower-case letters, digits, '.', '_' or '-'`,
            );
        }
        const targets = parseTargets(options);
        const timeLimitSeconds = parseTimeLimit(options.timeLimit);
        const inventory = loadInventory(options.inventory);
        const start = chooseStartingPoint(inventory, options.plan);
        const problem: Problem = toProblem(inventory, start.services, targets);
        const result = await plan(problem, { ...DEFAULT_PLAN_OPTIONS, solver: options.solver, timeLimitSeconds });
        if (options.output !== undefined) {
            writeOutput(options.output, inventory, start.services, result, options.outputPlan, start.description);
        }
        if (options.movesOutput !== undefined) {
            writeMoves(options.movesOutput, result);
        }
        report = {
            start: start.description,
            problem,
            result,
            ...(start.comparePlan === undefined ? {} : { handPlan: buildHandPlan(inventory, start.comparePlan, start.services, targets) }),
            ...(options.output === undefined ? {} : { output: options.output }),
            written: options.output !== undefined && result.attempt.status === "found",
            outputPlan: options.outputPlan,
            ...(options.movesOutput === undefined ? {} : { movesOutput: options.movesOutput }),
            ...(options.inventory === undefined ? {} : { checkStacks: Object.keys(inventory.nodes) }),
        };
    } catch (error) {
        if (error instanceof InputError) {
            process.stderr.write(`error: ${error.message}\n`);
            return EXIT_BAD_INPUT;
        }
        throw error;
    }

    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatPlanReport(report));
    return report.result.attempt.status === "found" ? 0 : EXIT_TARGET_IMPOSSIBLE;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`error: the planner failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exitCode = EXIT_INTERNAL_ERROR;
    },
);
