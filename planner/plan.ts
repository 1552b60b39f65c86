/**
 * The planner's entry point: chooses a solver, solves at the requested targets and, when they
 * cannot be met, explains why and finds the lowest target at which a placement exists.
 */
import { MoveBound, lowerBoundMoves } from "./bounds";
import { solveHeuristic } from "./heuristic";
import { countVariables, solveMilp } from "./milp";
import { MoveOrder, orderMoves } from "./order";
import {
    Placement,
    PreparedProblem,
    Problem,
    Targets,
    Usage,
    countMoves,
    currentPlacement,
    findViolations,
    prepareProblem,
    usageOf,
} from "./problem";
import { InfeasibilityReason, explainInfeasibility } from "./proof";

export type SolverChoice = "auto" | "milp" | "heuristic";

export interface PlanOptions {
    solver: SolverChoice;
    /** Time limit of each MILP solve, in seconds. */
    timeLimitSeconds: number;
    /** `auto` uses the MILP up to this many binary variables. */
    maxMilpVariables: number;
    /** Local search budget of the heuristic, in milliseconds. */
    heuristicBudgetMs: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
    solver: "auto",
    timeLimitSeconds: 30,
    maxMilpVariables: 20_000,
    heuristicBudgetMs: 2_000,
};

/** A placement within the targets it was solved for, with its moves and figures. */
export interface Solution {
    targets: Targets;
    placement: Placement;
    order: MoveOrder;
    moves: number;
    memoryMovedMiB: number;
    usage: Usage;
    solver: "milp" | "heuristic";
    /** True when the MILP proved that no placement needs fewer moves, or less memory for as many. */
    optimal: boolean;
    solverStatus: string;
    lowerBound: MoveBound;
    /** `moves - lowerBound.moves`. */
    gap: number;
    seconds: number;
}

/** Outcome of one solve at fixed targets. */
export type Attempt =
    | { status: "found"; solution: Solution }
    /** Proven: by the MILP, or by a broken necessary condition. */
    | { status: "infeasible"; reasons: InfeasibilityReason[]; solver: string; seconds: number }
    /** Neither found nor proven impossible: a heuristic that failed or a MILP that ran out of time. */
    | { status: "not-found"; reasons: InfeasibilityReason[]; solver: string; seconds: number };

export interface PlanResult {
    requested: Targets;
    /** The attempt at the requested targets. */
    attempt: Attempt;
    /**
     * When the requested targets cannot be met: the lowest whole percentage P at which a placement
     * was found, every target raised to at least P, and that placement. Undefined when none was
     * found up to 100 %.
     */
    relaxed?: {
        percent: number;
        targets: Targets;
        solution: Solution;
        /** True when P - 1 was proven infeasible, so P is the lowest whole percentage that works. */
        proven: boolean;
    };
}

const NECESSARY_CONDITIONS = "necessary conditions below";

/** Solves at the problem's own targets. Throws `InputError` for an invalid problem. */
export async function solveAt(problem: Problem, options: PlanOptions): Promise<Attempt> {
    const prepared = prepareProblem(problem);
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const reasons = () => explainInfeasibility(prepared);
    if (prepared.allowed.some((nodes) => nodes.length === 0)) {
        return { status: "infeasible", reasons: reasons(), solver: NECESSARY_CONDITIONS, seconds: elapsed() };
    }
    const bound = lowerBoundMoves(prepared);
    if (!Number.isFinite(bound.moves)) {
        return { status: "infeasible", reasons: reasons(), solver: NECESSARY_CONDITIONS, seconds: elapsed() };
    }

    const useMilp =
        options.solver === "milp" || (options.solver === "auto" && countVariables(prepared) <= options.maxMilpVariables);
    if (useMilp) {
        const result = await solveMilp(prepared, options.timeLimitSeconds);
        if (result.status === "feasible" && findViolations(prepared, result.placement as Placement).length > 0) {
            // Use the incumbent of a time-limited solve only when it meets every constraint.
            result.status = "unknown";
        }
        if (result.status === "infeasible") {
            return { status: "infeasible", reasons: reasons(), solver: `MILP (${result.solverStatus})`, seconds: elapsed() };
        }
        if (result.status === "optimal" || result.status === "feasible") {
            let placement = result.placement as Placement;
            let solver: Solution["solver"] = "milp";
            let solverStatus = result.solverStatus;
            if (result.status === "feasible" && options.solver === "auto") {
                // Time-limited: keep whichever of the MILP's incumbent and the heuristic moves less.
                const heuristic = solveHeuristic(prepared, { timeBudgetMs: options.heuristicBudgetMs });
                if (heuristic.placement !== undefined && better(problem, heuristic.placement, placement)) {
                    placement = heuristic.placement;
                    solver = "heuristic";
                    solverStatus = `better than the MILP's placement at its time limit (HiGHS status ${result.solverStatus})`;
                }
            }
            const solution = buildSolution(prepared, placement, bound, {
                solver,
                optimal: result.status === "optimal",
                solverStatus,
                seconds: elapsed(),
            });
            return { status: "found", solution };
        }
        if (options.solver === "milp") {
            return { status: "not-found", reasons: reasons(), solver: `MILP (${result.solverStatus})`, seconds: elapsed() };
        }
    }

    const heuristic = solveHeuristic(prepared, { timeBudgetMs: options.heuristicBudgetMs });
    if (heuristic.placement === undefined) {
        const found = reasons();
        // A broken necessary condition proves infeasibility whichever solver ran.
        if (found.length > 0) {
            return { status: "infeasible", reasons: found, solver: NECESSARY_CONDITIONS, seconds: elapsed() };
        }
        return { status: "not-found", reasons: found, solver: "heuristic", seconds: elapsed() };
    }
    const solution = buildSolution(prepared, heuristic.placement, bound, {
        solver: "heuristic",
        optimal: false,
        solverStatus: `${heuristic.improvements} local search improvement(s)`,
        seconds: elapsed(),
    });
    return { status: "found", solution };
}

function better(problem: Problem, a: Placement, b: Placement): boolean {
    const x = countMoves(problem, a);
    const y = countMoves(problem, b);
    return x.moves < y.moves || (x.moves === y.moves && x.memoryMiB < y.memoryMiB);
}

function buildSolution(
    prepared: PreparedProblem,
    placement: Placement,
    bound: MoveBound,
    solved: Pick<Solution, "solver" | "optimal" | "solverStatus" | "seconds">,
): Solution {
    const violations = findViolations(prepared, placement);
    if (violations.length > 0) {
        throw new Error(`the ${solved.solver} solver returned an invalid placement: ${violations.join("; ")}`);
    }
    const problem = prepared.problem;
    const { moves, memoryMiB } = countMoves(problem, placement);
    return {
        targets: problem.targets,
        placement,
        order: orderMoves(problem, currentPlacement(problem), placement),
        moves,
        memoryMovedMiB: memoryMiB,
        usage: usageOf(problem, placement),
        ...solved,
        lowerBound: bound,
        gap: moves - bound.moves,
    };
}

/** Returns the targets with every dimension raised to at least `percent`. */
export function raiseTargets(targets: Targets, percent: number): Targets {
    return {
        memoryPercent: Math.max(targets.memoryPercent, percent),
        cpuPercent: Math.max(targets.cpuPercent, percent),
        vramPercent: Math.max(targets.vramPercent, percent),
    };
}

/**
 * Plans the problem. When its targets cannot be met, searches by bisection the lowest whole
 * percentage P up to 100 at which a placement exists, with each target raised to at least P.
 * Feasibility only grows with P, so bisection finds the lowest P when each solve is exact (the
 * MILP). With the heuristic, P is the lowest percentage at which it found a placement.
 */
export async function plan(problem: Problem, options: PlanOptions = DEFAULT_PLAN_OPTIONS): Promise<PlanResult> {
    const attempt = await solveAt(problem, options);
    if (attempt.status === "found") {
        return { requested: problem.targets, attempt };
    }

    const targets = problem.targets;
    // Every percentage at or below the lowest target leaves the targets as they are.
    let low = Math.floor(Math.min(targets.memoryPercent, targets.cpuPercent, targets.vramPercent));
    let proven = attempt.status === "infeasible";
    const needed = attempt.reasons.map((r) => r.percentNeeded).filter((p) => Number.isFinite(p));
    if (needed.length > 0 && Math.max(...needed) - 1 > low) {
        // Below the percentage a broken condition needs, that condition stays broken.
        low = Math.max(...needed) - 1;
        proven = true;
    }
    if (low >= 100) {
        return { requested: targets, attempt };
    }

    const solveAtPercent = (percent: number) => solveAt({ ...problem, targets: raiseTargets(targets, percent) }, options);
    let high = 100;
    const atFull = await solveAtPercent(high);
    if (atFull.status !== "found") {
        return { requested: targets, attempt };
    }

    let best = atFull.solution;
    while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        const result = await solveAtPercent(middle);
        if (result.status === "found") {
            high = middle;
            best = result.solution;
        } else {
            low = middle;
            proven = result.status === "infeasible";
        }
    }
    return {
        requested: targets,
        attempt,
        relaxed: { percent: high, targets: raiseTargets(targets, high), solution: best, proven },
    };
}
