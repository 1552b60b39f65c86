/**
 * The exact planner: the placement as a mixed-integer linear program in CPLEX LP format, solved
 * by HiGHS (the `highs` package, HiGHS compiled to WebAssembly).
 *
 * Variables: `x_s_n` = 1 when service s runs on node n, for each node n that s may run on. For a
 * GPU service on a node other than its current one, `y_s_n_g` = 1 when it gets card g of n, so the
 * card is a decision variable on nodes with several GPUs. A service that stays keeps its cards.
 *
 * Objective: minimise W × moves + MiB of memory moved, with W larger than the memory of all
 * services together. Both terms are integers, so with an absolute gap below 1 the optimum is the
 * lexicographic one: fewest moves first, then least memory moved.
 */
import loadHighs from "highs";

import { Placement, PreparedProblem } from "./problem";

/** The LP text and how to read its variables back. */
export interface LpModel {
    text: string;
    /** Number of binary variables. */
    variables: number;
    /** Weight of one move in the objective, in MiB. */
    moveWeight: number;
}

/** Outcome of one MILP solve. */
export interface MilpResult {
    /** `optimal`: proven optimum. `feasible`: a placement, not proven optimal (time limit). */
    status: "optimal" | "feasible" | "infeasible" | "unknown";
    placement?: Placement;
    /** HiGHS status text, such as `Optimal` or `Time limit reached`. */
    solverStatus: string;
    seconds: number;
    variables: number;
}

const x = (s: number, n: number) => `x_${s}_${n}`;
const y = (s: number, n: number, g: number) => `y_${s}_${n}_${g}`;

/** Terms per line; HiGHS reads long lines, but short ones keep the text readable. */
const TERMS_PER_LINE = 8;

function sum(terms: string[]): string {
    const lines: string[] = [];
    for (let i = 0; i < terms.length; i += TERMS_PER_LINE) {
        lines.push(terms.slice(i, i + TERMS_PER_LINE).join(" + "));
    }
    return lines.join("\n   + ");
}

/** Counts the variables `buildLp` would create, to choose a solver before building. */
export function countVariables(prepared: PreparedProblem): number {
    let count = 0;
    prepared.allowed.forEach((nodes, s) => {
        for (const n of nodes) {
            count += 1;
            if (n !== prepared.current[s]) {
                count += prepared.problem.services[s].gpu === undefined ? 0 : prepared.cardLimit[n].length;
            }
        }
    });
    return count;
}

/**
 * Builds the LP model. Every service must have at least one allowed node; the caller reports a
 * service without one as infeasible before building.
 */
export function buildLp(prepared: PreparedProblem): LpModel {
    const { problem, allowed, current } = prepared;
    const services = problem.services;
    const moveWeight = services.reduce((total, service) => total + service.memoryMiB, 0) + 1;

    const objective: string[] = [];
    const rows: string[] = [];
    const binaries: string[] = [];
    const memoryTerms: string[][] = problem.nodes.map(() => []);
    const cpuTerms: string[][] = problem.nodes.map(() => []);
    const cardTerms: string[][][] = problem.nodes.map((node) => node.gpus.map(() => []));

    services.forEach((service, s) => {
        const assign: string[] = [];
        for (const n of allowed[s]) {
            const variable = x(s, n);
            binaries.push(variable);
            assign.push(variable);
            if (n !== current[s]) {
                objective.push(`${moveWeight + service.memoryMiB} ${variable}`);
            }
            memoryTerms[n].push(`${service.memoryMiB} ${variable}`);
            cpuTerms[n].push(`${service.cpuMillicores} ${variable}`);
            const gpu = service.gpu;
            if (gpu === undefined) {
                continue;
            }
            if (n === current[s]) {
                for (const g of prepared.currentCards[s] as number[]) {
                    cardTerms[n][g].push(`${gpu.vramMiB} ${variable}`);
                }
                continue;
            }
            const cards: string[] = [];
            prepared.cardLimit[n].forEach((limit, g) => {
                if (gpu.vramMiB <= limit) {
                    const card = y(s, n, g);
                    binaries.push(card);
                    cards.push(card);
                    cardTerms[n][g].push(`${gpu.vramMiB} ${card}`);
                }
            });
            rows.push(` k_${s}_${n}: ${sum(cards)} - ${gpu.cards} ${variable} = 0`);
        }
        rows.push(` a_${s}: ${sum(assign)} = 1`);
    });

    problem.nodes.forEach((node, n) => {
        if (memoryTerms[n].length > 0) {
            rows.push(` m_${n}: ${sum(memoryTerms[n])} <= ${prepared.memoryLimit[n]}`);
            rows.push(` c_${n}: ${sum(cpuTerms[n])} <= ${prepared.cpuLimit[n]}`);
        }
        node.gpus.forEach((_gpu, g) => {
            if (cardTerms[n][g].length > 0) {
                rows.push(` v_${n}_${g}: ${sum(cardTerms[n][g])} <= ${prepared.cardLimit[n][g]}`);
            }
        });
    });

    // An objective with no terms (nothing can move) still needs one variable to be valid LP text.
    const objectiveText = objective.length > 0 ? sum(objective) : `0 ${binaries[0] ?? "unused"}`;
    const text = [
        "Minimize",
        ` moves: ${objectiveText}`,
        "Subject To",
        ...rows,
        "Binary",
        ...chunk(binaries, TERMS_PER_LINE).map((names) => ` ${names.join(" ")}`),
        "End",
        "",
    ].join("\n");
    return { text, variables: binaries.length, moveWeight };
}

function chunk<T>(items: T[], size: number): T[][] {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += size) {
        chunks.push(items.slice(i, i + size));
    }
    return chunks;
}

type Solver = Awaited<ReturnType<typeof loadHighs>>;
let solverPromise: Promise<Solver> | undefined;

/** Loads the HiGHS WebAssembly module once per process. */
function highs(): Promise<Solver> {
    solverPromise ??= loadHighs();
    return solverPromise;
}

/**
 * Solves the placement exactly, or until `timeLimitSeconds` passes. A time-limited solve returns
 * its best placement as `feasible`, or `unknown` when it found none.
 */
export async function solveMilp(prepared: PreparedProblem, timeLimitSeconds: number): Promise<MilpResult> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const services = prepared.problem.services;
    if (prepared.allowed.some((nodes) => nodes.length === 0)) {
        return { status: "infeasible", solverStatus: "a service fits no node", seconds: seconds(), variables: 0 };
    }
    if (services.length === 0) {
        return { status: "optimal", placement: [], solverStatus: "Empty", seconds: seconds(), variables: 0 };
    }

    const model = buildLp(prepared);
    const solver = await highs();
    const solution = solver.solve(model.text, {
        output_flag: false,
        time_limit: timeLimitSeconds,
        mip_rel_gap: 0,
        mip_abs_gap: 0.5,
    });

    const status = solution.Status;
    if (status === "Infeasible" || status === "Primal infeasible or unbounded") {
        return { status: "infeasible", solverStatus: status, seconds: seconds(), variables: model.variables };
    }
    const columns = solution.Columns as Record<string, { Primal?: number } | undefined>;
    const placement = status === "Optimal" || status === "Time limit reached" ? readPlacement(prepared, columns) : undefined;
    if (placement === undefined) {
        return { status: "unknown", solverStatus: status, seconds: seconds(), variables: model.variables };
    }
    return {
        status: status === "Optimal" ? "optimal" : "feasible",
        placement,
        solverStatus: status,
        seconds: seconds(),
        variables: model.variables,
    };
}

/**
 * Reads the placement from the solver's columns. Returns undefined when some service has no node,
 * as after a time-limited solve that found no incumbent.
 */
function readPlacement(
    prepared: PreparedProblem,
    columns: Record<string, { Primal?: number } | undefined>,
): Placement | undefined {
    const isOn = (name: string) => (columns[name]?.Primal ?? 0) > 0.5;
    const placement: Placement = [];
    for (const [s, service] of prepared.problem.services.entries()) {
        const n = prepared.allowed[s].find((node) => isOn(x(s, node)));
        if (n === undefined) {
            return undefined;
        }
        const node = prepared.problem.nodes[n];
        let deviceIds: string[] = [];
        if (service.gpu !== undefined) {
            deviceIds =
                n === prepared.current[s]
                    ? (prepared.currentCards[s] as number[]).map((g) => node.gpus[g].id)
                    : node.gpus.filter((_gpu, g) => isOn(y(s, n, g))).map((gpu) => gpu.id);
        }
        placement.push({ node: node.name, deviceIds });
    }
    return placement;
}
