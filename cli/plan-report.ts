/**
 * The planner's report for people: the starting point, the solver, the ordered moves, each node's
 * figures after them and the same figures for the hand-made plan it is compared with.
 */
import { formatAmount } from "../model/capacity";
import { formatGiB, formatPercent, percentOf } from "../model/units";
import type { InfeasibilityReason } from "../planner/proof";
import type { Attempt, PlanResult, Solution } from "../planner/plan";
import type { Problem, Targets, Usage } from "../planner/problem";
import { limitOf } from "../planner/problem";

/** The hand-made plan the planner's result is compared with. */
export interface HandPlan {
    name: string;
    moves: { service: string; from: string; to: string; memoryMiB: number }[];
    usage: Usage;
}

export interface PlanReport {
    /** Description of the starting services and where they came from. */
    start: string;
    problem: Problem;
    result: PlanResult;
    handPlan?: HandPlan;
    /** File requested for the planned inventory. */
    output?: string;
    /** True when the planned inventory was written to `output`, which happens only for a plan within the targets. */
    written: boolean;
    /** Name of the plan in the output file. */
    outputPlan: string;
    /** File requested for the ordered moves, written only for a plan within the targets, as `output` is. */
    movesOutput?: string;
    /**
     * Stacks the check of the output file must name: the inventory's nodes, for an inventory of
     * the user's own whose nodes may lack some of the project's stacks. Undefined for the shipped one.
     */
    checkStacks?: string[];
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string[] {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const format = (cells: string[]) =>
        "  " + cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
    return [format(header), ...rows.map(format)];
}

/** Formats memory as GiB, or as MiB below 1 GiB where two decimals of GiB would round. */
function formatMemory(mib: number): string {
    return mib < 1024 ? `${mib} MiB` : formatAmount("memory", mib);
}

function formatTargets(targets: Targets): string {
    return `memory ${targets.memoryPercent} %, CPU ${targets.cpuPercent} %, VRAM ${targets.vramPercent} % of each card`;
}

/** Nodes named in the lower bound's explanation; the rest are counted. */
const MAX_BOUND_NODES_SHOWN = 5;

function describeSolver(solution: Solution): string {
    const solver = solution.solver === "milp" ? `MILP, HiGHS status ${solution.solverStatus}` : `heuristic, ${solution.solverStatus}`;
    const proof = solution.optimal
        ? "proven optimal"
        : solution.gap === 0
          ? "moves equal the lower bound, so their number is minimal, but the memory moved is not proven minimal"
          : "not proven optimal";
    const bound = solution.lowerBound;
    const largest = [...bound.perNode].sort((a, b) => b.moves - a.moves).slice(0, MAX_BOUND_NODES_SHOWN);
    const hidden = bound.perNode.length - largest.length;
    const perNode = [...largest.map((b) => `${b.node}: ${b.reason}`), ...(hidden > 0 ? [`${hidden} more node(s)`] : [])].join("; ");
    return (
        `Solver: ${solver}, ${proof}, ${solution.seconds.toFixed(2)} s.\n` +
        `Lower bound: ${bound.moves} move(s)${perNode === "" ? "" : ` (${perNode})`}; gap ${solution.gap}.`
    );
}

function formatMoves(solution: Solution): string[] {
    if (solution.moves === 0) {
        return ["No service has to move."];
    }
    const lines = [
        `${solution.moves} move(s), ${formatGiB(solution.memoryMovedMiB)} GiB of memory moved, in this order ` +
            "(each move leaves its destination within physical capacity):",
    ];
    const rows = solution.order.moves.map((move, i) => [
        String(i + 1),
        move.service,
        move.from,
        move.to,
        formatMemory(move.memoryMiB),
        formatAmount("cpu", move.cpuMillicores),
        move.vramMiB === 0 ? "-" : `${formatAmount("vram", move.vramMiB)} on GPU ${move.deviceIds.join(", ")}`,
        move.stopFirst ? "stop before the moves above it" : "",
    ]);
    lines.push(...table(["#", "service", "from", "to", "memory", "CPU", "VRAM", ""], rows, new Set([0, 4, 5])));
    if (!solution.order.live) {
        lines.push("No order keeps every destination within capacity with all services running: stop the marked services first.");
    }
    return lines;
}

/** Builds one row per node with amount, capacity and percent per dimension, and `*` where above the target. */
function nodeRows(problem: Problem, usage: Usage, targets: Targets): string[][] {
    return problem.nodes.map((node, n) => {
        const mark = (used: number, capacity: number, percent: number) => (used > limitOf(capacity, percent) ? " *" : "");
        const cell = (used: number, capacity: number, kind: "memory" | "cpu" | "vram", percent: number) =>
            `${formatAmount(kind, used)} of ${formatAmount(kind, capacity)} ${formatPercent(percentOf(used, capacity))} %` +
            mark(used, capacity, percent);
        const vram = node.gpus.map((gpu, g) => `GPU ${gpu.id}: ${cell(usage.vramMiB[n][g], gpu.vramMiB, "vram", targets.vramPercent)}`);
        return [
            node.name,
            cell(usage.memoryMiB[n], node.memoryMiB, "memory", targets.memoryPercent),
            cell(usage.cpuMillicores[n], node.cpuMillicores, "cpu", targets.cpuPercent),
            vram.length === 0 ? "no GPU" : vram.join(", "),
        ];
    });
}

function formatNodes(title: string, problem: Problem, usage: Usage, targets: Targets): string[] {
    const rows = nodeRows(problem, usage, targets);
    const lines = [title, ...table(["node", "memory", "CPU", "VRAM"], rows, new Set())];
    if (rows.some((row) => row.some((cell) => cell.includes(" *")))) {
        lines.push(`  * above the target (${formatTargets(targets)})`);
    }
    return lines;
}

function formatHandPlan(report: PlanReport, hand: HandPlan): string[] {
    const memory = hand.moves.reduce((total, move) => total + move.memoryMiB, 0);
    const routes = new Map<string, string[]>();
    for (const move of hand.moves) {
        const route = `${move.from} to ${move.to}`;
        routes.set(route, [...(routes.get(route) ?? []), move.service]);
    }
    const moved = [...routes].map(([route, services]) => `${route}: ${services.join(", ")}`).join("; ");
    const rows = nodeRows(report.problem, hand.usage, report.result.requested);
    const above = rows.flat().filter((cell) => cell.endsWith(" *")).length;
    const note =
        above === 0
            ? []
            : [`The hand plan leaves ${above} dimension(s) above the targets, so it is not a placement within them.`];
    return [
        ...formatNodes(
            `Hand plan \`${hand.name}\`: ${hand.moves.length} move(s), ${formatGiB(memory)} GiB of memory moved` +
                (moved === "" ? "." : `: ${moved}.`),
            report.problem,
            hand.usage,
            report.result.requested,
        ),
        ...note,
    ];
}

function formatReasons(reasons: InfeasibilityReason[]): string[] {
    return reasons.map((reason) => `  - ${reason.message}`);
}

function formatAttemptFailure(attempt: Exclude<Attempt, { status: "found" }>, targets: Targets): string[] {
    const lines: string[] = [];
    if (attempt.status === "infeasible") {
        lines.push(`IMPOSSIBLE: no placement meets the targets (${formatTargets(targets)}); proven by the ${attempt.solver}.`);
    } else {
        lines.push(
            `NOT FOUND: the ${attempt.solver} found no placement within the targets (${formatTargets(targets)}), ` +
                "and did not prove that none exists.",
        );
    }
    if (attempt.reasons.length > 0) {
        lines.push("Why:", ...formatReasons(attempt.reasons));
    } else if (attempt.status === "infeasible") {
        lines.push(
            "Why: every aggregate condition holds (the services confined to each set of nodes fit the targets of that set in " +
                "total), so the services do not divide among the nodes: a packing conflict, not a shortage.",
        );
    }
    return lines;
}

/**
 * Explains why the placement makes more moves than the hand plan, when it does: a lower bound above the
 * hand plan's count, or the MILP's proof, or that the heuristic proves neither.
 */
function compareMoveCounts(solution: Solution, hand: HandPlan): string[] {
    const handMoves = hand.moves.length;
    if (solution.moves <= handMoves) {
        return [];
    }
    const noFewerMoves = `No placement within the targets makes ${handMoves} move(s) or fewer, as the hand plan does`;
    if (solution.lowerBound.moves > handMoves) {
        return [`${noFewerMoves}: the lower bound above is ${solution.lowerBound.moves}.`];
    }
    if (solution.optimal) {
        return [`${noFewerMoves}: the MILP proved ${solution.moves} the fewest.`];
    }
    return [`This placement makes more moves than the hand plan, and the heuristic does not prove that fewer cannot meet the targets.`];
}

/** Formats the whole report, ending with a one-line verdict. */
export function formatPlanReport(report: PlanReport): string {
    const { problem, result } = report;
    const lines = [
        `Starting point: ${report.start}.`,
        `${problem.services.length} services on ${problem.nodes.length} nodes; targets: ${formatTargets(result.requested)}.`,
        "",
    ];
    const attempt = result.attempt;
    let verdict: string;
    if (attempt.status === "found") {
        const solution = attempt.solution;
        lines.push(describeSolver(solution), "", ...formatMoves(solution), "");
        lines.push(...formatNodes("Nodes after the moves:", problem, solution.usage, result.requested));
        if (report.handPlan !== undefined) {
            lines.push("", ...formatHandPlan(report, report.handPlan), ...compareMoveCounts(solution, report.handPlan));
        }
        if (report.output !== undefined && report.written) {
            lines.push("", `Wrote ${report.output} with plan \`${report.outputPlan}\`; check it with:`);
            const stacks = report.checkStacks === undefined ? "" : ` --stack ${report.checkStacks.join(",")}`;
            lines.push(`  npm run check -- --inventory ${report.output} --plan ${report.outputPlan}${stacks}`);
            if (report.checkStacks !== undefined) {
                lines.push("  (each node needs a Pulumi.<node>.yaml stack file naming it in bev:node)");
            }
        }
        if (report.movesOutput !== undefined) {
            lines.push("", `Wrote the ${solution.moves} move(s) to ${report.movesOutput}; run them with:`);
            lines.push(`  npm run migrate -- --moves ${report.movesOutput} --host NODE=ADDRESS... --backup-dir DIR`);
        }
        verdict = `PLANNED: ${solution.moves} move(s), every node within the targets.`;
    } else {
        lines.push(...formatAttemptFailure(attempt, result.requested), "");
        const relaxed = result.relaxed;
        if (relaxed === undefined) {
            lines.push("No placement was found at any target up to 100 % of physical capacity, so there is no plan to show.");
            verdict =
                attempt.status === "infeasible"
                    ? "FAILED: no placement within the targets, nor within physical capacity."
                    : "FAILED: no placement found within the targets, nor within physical capacity; neither is proven impossible.";
        } else {
            const solution = relaxed.solution;
            const lowest = relaxed.proven ? "the lowest whole percentage at which a placement exists" : "the lowest at which one was found";
            lines.push(
                `EXCEEDS THE REQUESTED TARGETS: the best placement at ${relaxed.percent} % (${lowest}; ` +
                    `targets ${formatTargets(relaxed.targets)}):`,
                describeSolver(solution),
                "",
                ...formatMoves(solution),
                "",
                ...formatNodes(`Nodes after the moves, against the requested targets:`, problem, solution.usage, result.requested),
            );
            if (report.handPlan !== undefined) {
                lines.push("", ...formatHandPlan(report, report.handPlan));
            }
            const unwritten = [report.output, report.movesOutput].filter((file) => file !== undefined);
            const file = unwritten.length === 0 ? "" : ` No file was written to ${unwritten.join(" or ")}.`;
            lines.push("", `This placement exceeds the requested targets.${file} Run with --headroom ${relaxed.percent} to accept it.`);
            verdict =
                attempt.status === "infeasible"
                    ? `FAILED: the targets cannot be met; the lowest feasible target found is ${relaxed.percent} %.`
                    : `FAILED: no placement found within the targets (not proven impossible); the lowest target with a placement ` +
                      `found is ${relaxed.percent} %.`;
        }
    }
    lines.push("", verdict);
    return `${lines.join("\n")}\n`;
}
