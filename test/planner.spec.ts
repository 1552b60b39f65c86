import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { readMovesFile } from "../migrate/moves";
import { lowerBoundMoves, minimumItemsToCover } from "../planner/bounds";
import { solveHeuristic } from "../planner/heuristic";
import { chooseStartingPoint, plannedInventory, toProblem } from "../planner/inventory";
import { buildLp, solveMilp } from "../planner/milp";
import { orderMoves } from "../planner/order";
import { packBestFit, packFirstFitDecreasing, packingLowerBound } from "../planner/packing";
import { Attempt, DEFAULT_PLAN_OPTIONS, PlanOptions, Solution, plan, solveAt } from "../planner/plan";
import {
    DEFAULT_TARGETS,
    Placement,
    PlannerNode,
    PlannerService,
    Problem,
    Targets,
    countMoves,
    currentPlacement,
    findViolations,
    limitOf,
    prepareProblem,
    usageOf,
} from "../planner/problem";
import { explainInfeasibility } from "../planner/proof";
import { mulberry32 } from "../planner/random";
import { loadInventory } from "../stacks/inventory";
import { parseInventory } from "../stacks/schema";

const GIB = 1024;
const ROOT = path.resolve(__dirname, "..", "..");
const MILP: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, solver: "milp" };
const HEURISTIC: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, solver: "heuristic", heuristicBudgetMs: 500 };

function node(name: string, memoryGiB: number, cores: number, extra: { arch?: string; gpusGiB?: number[] } = {}): PlannerNode {
    return {
        name,
        memoryMiB: memoryGiB * GIB,
        cpuMillicores: cores * 1000,
        arch: extra.arch ?? "amd64",
        gpus: (extra.gpusGiB ?? []).map((vram, i) => ({ id: String(i), vramMiB: vram * GIB })),
    };
}

function service(name: string, on: string, memoryGiB: number, cores: number, extra: Partial<PlannerService> = {}): PlannerService {
    return { name, node: on, memoryMiB: memoryGiB * GIB, cpuMillicores: cores * 1000, ...extra };
}

function targets(percent: number): Targets {
    return { memoryPercent: percent, cpuPercent: percent, vramPercent: percent };
}

function found(attempt: Attempt): Solution {
    assert.equal(attempt.status, "found", `expected a placement, got ${attempt.status}: ${JSON.stringify(attempt)}`);
    return (attempt as Extract<Attempt, { status: "found" }>).solution;
}

function movedNames(problem: Problem, placement: Placement): string[] {
    return problem.services.filter((s, i) => placement[i].node !== s.node).map((s) => s.name).sort();
}

/** Two 10 GiB nodes. Node a has 10 GiB of services, 2 GiB above its 80 % target. */
function overfullPair(extra: Partial<Record<string, Partial<PlannerService>>> = {}): Problem {
    return {
        nodes: [node("a", 10, 4), node("b", 10, 4)],
        services: [
            service("big", "a", 5, 1, extra.big),
            service("mid", "a", 3, 1, extra.mid),
            service("small-1", "a", 1, 0.5, extra["small-1"]),
            service("small-2", "a", 1, 0.5, extra["small-2"]),
        ],
        targets: targets(80),
    };
}

describe("planner", () => {
    describe("limits", () => {
        it("floors the target share of a capacity", () => {
            assert.equal(limitOf(10 * GIB, 85), 8704);
            assert.equal(limitOf(16_000, 85), 13_600);
            assert.equal(limitOf(64 * GIB, 85), 55_705);
        });

        it("rejects targets outside (0, 100]", () => {
            assert.throws(() => prepareProblem({ ...overfullPair(), targets: targets(101) }), /invalid headroom target 101/);
            assert.throws(() => prepareProblem({ ...overfullPair(), targets: targets(0) }), /invalid headroom target 0/);
        });

        it("rejects an unknown node", () => {
            const problem = overfullPair();
            problem.services[0].node = "nowhere";
            assert.throws(() => prepareProblem(problem), /unknown node "nowhere"/);
        });
    });

    describe("small inventories with known optimum", () => {
        for (const [name, options] of [["MILP", MILP], ["heuristic", HEURISTIC]] as const) {
            it(`moves the one service that frees enough memory (${name})`, async () => {
                const problem = overfullPair();
                const solution = found(await solveAt(problem, options));
                assert.equal(solution.moves, 1);
                // Either big (5 GiB) or mid (3 GiB) alone frees the 2 GiB, and mid moves less memory.
                assert.deepEqual(movedNames(problem, solution.placement), ["mid"]);
                assert.equal(solution.memoryMovedMiB, 3 * GIB);
            });

            it(`keeps a pinned service in place (${name})`, async () => {
                const problem = overfullPair({ mid: { pinned: true } });
                const solution = found(await solveAt(problem, options));
                assert.deepEqual(movedNames(problem, solution.placement), ["big"]);
            });

            it(`needs two moves when only the small services may leave (${name})`, async () => {
                const problem = overfullPair({ big: { pinned: true }, mid: { pinned: true } });
                const solution = found(await solveAt(problem, options));
                assert.deepEqual(movedNames(problem, solution.placement), ["small-1", "small-2"]);
                assert.equal(solution.lowerBound.moves, 2);
            });

            it(`moves an image only to an architecture it is published for (${name})`, async () => {
                const problem: Problem = {
                    nodes: [node("a", 10, 4), node("arm", 32, 8, { arch: "arm64" }), node("b", 10, 4)],
                    services: [
                        service("amd-only", "a", 3, 1),
                        service("multi", "a", 3, 1, { platforms: ["amd64", "arm64"] }),
                        service("stays", "a", 4, 1, { pinned: true }),
                        service("filler", "b", 7, 1, { pinned: true }),
                    ],
                    targets: targets(80),
                };
                const solution = found(await solveAt(problem, options));
                // b has 1 GiB left within its target, so the only move is multi to arm.
                assert.deepEqual(movedNames(problem, solution.placement), ["multi"]);
                assert.equal(solution.placement[1].node, "arm");
            });

            it(`gives a moved GPU service a card with room (${name})`, async () => {
                const problem: Problem = {
                    nodes: [node("small-gpu", 32, 8, { gpusGiB: [10] }), node("cpu-only", 64, 16), node("two-gpus", 64, 16, { gpusGiB: [10, 10] })],
                    services: [
                        service("inference", "small-gpu", 2, 1, { gpu: { cards: 1, vramMiB: 6 * GIB, deviceIds: ["0"] } }),
                        service("trainer", "small-gpu", 2, 1, { gpu: { cards: 1, vramMiB: 4 * GIB, deviceIds: ["0"] }, pinned: true }),
                        service("resident", "two-gpus", 2, 1, { gpu: { cards: 1, vramMiB: 5 * GIB, deviceIds: ["0"] }, pinned: true }),
                    ],
                    targets: targets(85),
                };
                const solution = found(await solveAt(problem, options));
                assert.deepEqual(movedNames(problem, solution.placement), ["inference"]);
                assert.equal(solution.placement[0].node, "two-gpus");
                // Card 0 keeps 5 GiB of resident, so 6 GiB more only fits card 1 (8.5 GiB target).
                assert.deepEqual(solution.placement[0].deviceIds, ["1"]);
                assert.deepEqual(solution.usage.vramMiB[2], [5 * GIB, 6 * GIB]);
            });

            it(`moves a service that cannot stay even on a node within target (${name})`, async () => {
                const problem: Problem = {
                    nodes: [node("a", 10, 4), node("b", 10, 4)],
                    services: [service("wrong-arch", "a", 1, 0.5, { platforms: ["amd64"] }), service("idle", "b", 1, 0.5)],
                    targets: targets(85),
                };
                problem.nodes[0].arch = "arm64";
                const solution = found(await solveAt(problem, options));
                assert.deepEqual(movedNames(problem, solution.placement), ["wrong-arch"]);
                assert.equal(solution.lowerBound.moves, 1);
            });
        }

        it("proves optimality with the MILP and not with the heuristic", async () => {
            assert.equal(found(await solveAt(overfullPair(), MILP)).optimal, true);
            assert.equal(found(await solveAt(overfullPair(), HEURISTIC)).optimal, false);
        });
    });

    describe("LP model", () => {
        it("names variables by index, whatever the service names", () => {
            const problem = overfullPair();
            problem.services[0].name = "odd.name-with_chars";
            const model = buildLp(prepareProblem(problem));
            assert.doesNotMatch(model.text, /odd/);
            assert.match(model.text, /^Binary$/m);
            assert.match(model.text, /^ a_0: x_0_0 \+ x_0_1 = 1$/m);
            assert.equal(model.variables, 8);
        });

        it("weights a move above all the memory", () => {
            const model = buildLp(prepareProblem(overfullPair()));
            assert.equal(model.moveWeight, 10 * GIB + 1);
        });
    });

    describe("lower bound", () => {
        it("counts the fewest largest items that cover an excess", () => {
            assert.equal(minimumItemsToCover([1, 5, 3], 6), 2);
            assert.equal(minimumItemsToCover([1, 1], 3), Infinity);
            assert.equal(minimumItemsToCover([], 0), 0);
        });

        it("is 13 moves on the shipped inventory: 12 off THANOS, 1 off ORACLE1", () => {
            const problem = shippedProblem(DEFAULT_TARGETS);
            const bound = lowerBoundMoves(prepareProblem(problem));
            assert.equal(bound.moves, 13);
            assert.deepEqual(
                bound.perNode.map((b) => [b.node, b.moves]),
                [["thanos", 12], ["oracle1", 1]],
            );
        });
    });

    describe("infeasibility proof", () => {
        /** Node x has 9 GiB of pinned services, 0.5 GiB above its 85 % target of 8.5 GiB. */
        const pinnedOverTarget = (): Problem => ({
            nodes: [node("x", 10, 4), node("y", 10, 4)],
            services: [
                service("db-1", "x", 5, 1, { pinned: true }),
                service("db-2", "x", 4, 1, { pinned: true }),
                service("web", "x", 1, 0.5),
            ],
            targets: targets(85),
        });

        it("names a pinned set above its node's target, with exact figures", () => {
            const [reason, ...rest] = explainInfeasibility(prepareProblem(pinnedOverTarget()));
            assert.equal(rest.length, 0);
            assert.equal(reason.dimension, "memory");
            assert.deepEqual(reason.nodes, ["x"]);
            assert.deepEqual(reason.services, ["db-1", "db-2"]);
            assert.equal(reason.pinned, 2);
            assert.equal(reason.demand, 9 * GIB);
            assert.equal(reason.capacity, 8704);
            assert.equal(reason.excess, 512);
            assert.equal(reason.percentNeeded, 90);
            assert.match(reason.message, /The 2 pinned service\(s\) on x need 9\.00 GiB of memory, but 85 % of node x is 8\.50 GiB: 0\.50 GiB too much/);
        });

        for (const [name, options] of [["MILP", MILP], ["heuristic", HEURISTIC]] as const) {
            it(`finds the lowest feasible target and its placement (${name})`, async () => {
                const result = await plan(pinnedOverTarget(), options);
                assert.equal(result.attempt.status, "infeasible");
                assert.ok(result.relaxed);
                assert.equal(result.relaxed.percent, 90);
                assert.equal(result.relaxed.proven, true);
                assert.deepEqual(result.relaxed.targets, targets(90));
                assert.deepEqual(movedNames(pinnedOverTarget(), result.relaxed.solution.placement), ["web"]);
            });
        }

        it("names the nodes that an architecture confines services to", () => {
            const problem: Problem = {
                nodes: [node("arm-1", 8, 4, { arch: "arm64" }), node("arm-2", 8, 4, { arch: "arm64" }), node("amd", 64, 16)],
                services: [
                    service("collector-1", "arm-1", 6, 1),
                    service("collector-2", "arm-1", 6, 1),
                    service("collector-3", "arm-2", 3, 1),
                ],
                targets: targets(85),
            };
            const reasons = explainInfeasibility(prepareProblem(problem));
            assert.equal(reasons.length, 1);
            assert.deepEqual(reasons[0].nodes, ["arm-1", "arm-2"]);
            assert.equal(reasons[0].demand, 15 * GIB);
            assert.equal(reasons[0].capacity, 2 * limitOf(8 * GIB, 85));
            assert.equal(reasons[0].excess, 15 * GIB - 2 * limitOf(8 * GIB, 85));
            assert.equal(reasons[0].percentNeeded, 94);
        });

        it("names a GPU service too large for every card", async () => {
            const problem: Problem = {
                nodes: [node("g", 64, 16, { gpusGiB: [10] })],
                services: [service("llm", "g", 8, 2, { gpu: { cards: 1, vramMiB: 9 * GIB, deviceIds: ["0"] } })],
                targets: targets(85),
            };
            const attempt = await solveAt(problem, MILP);
            assert.equal(attempt.status, "infeasible");
            const reasons = (attempt as Extract<Attempt, { status: "infeasible" }>).reasons;
            assert.match(reasons[0].message, /Service llm fits no node within the targets, even alone \(g: its VRAM 9216 MiB is above the target of GPU 0\)/);
            const result = await plan(problem, MILP);
            assert.equal(result.relaxed?.percent, 90);
        });

        it("reports a packing conflict that no aggregate condition shows", async () => {
            // 16 GiB fit the two nodes' 17 GiB of targets in total, but no two services share 8.5 GiB.
            const problem: Problem = {
                nodes: [node("a", 10, 8), node("b", 10, 8)],
                services: [service("s1", "a", 6, 1), service("s2", "a", 6, 1), service("s3", "b", 4, 1)],
                targets: targets(85),
            };
            const attempt = await solveAt(problem, MILP);
            assert.equal(attempt.status, "infeasible");
            assert.deepEqual((attempt as Extract<Attempt, { status: "infeasible" }>).reasons, []);
            const result = await plan(problem, MILP);
            // 6 + 4 GiB fill a 10 GiB node exactly.
            assert.equal(result.relaxed?.percent, 100);
            assert.equal(result.relaxed?.solution.moves, 1);
        });

        it("shows no placement for the current plan of the shipped inventory", async () => {
            const inventory = loadInventory();
            const problem = toProblem(inventory, inventory.plans.current, DEFAULT_TARGETS);
            const result = await plan(problem, MILP);
            assert.equal(result.attempt.status, "infeasible");
            assert.equal(result.relaxed, undefined);
            const reasons = (result.attempt as Extract<Attempt, { status: "infeasible" }>).reasons;
            const memory = reasons.find((r) => r.dimension === "memory");
            assert.ok(memory);
            assert.deepEqual(memory.nodes, ["thanos", "starlord"]);
            assert.equal(memory.demand, 166.25 * GIB);
            assert.equal(memory.capacity, 2 * limitOf(64 * GIB, 85));
            assert.equal(memory.percentNeeded, 130);
        });
    });

    describe("MILP and heuristic on random small inventories", () => {
        it("agree in at least 90 % of rounds", async function () {
            this.timeout(240_000);
            const random = mulberry32(7);
            const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
            let feasible = 0;
            let equal = 0;
            for (let round = 0; round < 40; round++) {
                const nodes = Array.from({ length: pick(2, 4) }, (_, n) =>
                    node(`n${n}`, pick(8, 32), pick(4, 16), { arch: random() < 0.25 ? "arm64" : "amd64", gpusGiB: random() < 0.5 ? [pick(8, 24)] : [] }),
                );
                const services = Array.from({ length: pick(5, 12) }, (_, s) => {
                    const home = nodes[pick(0, nodes.length - 1)];
                    const extra: Partial<PlannerService> = {};
                    if (random() < 0.3) {
                        extra.platforms = ["amd64", "arm64"];
                    }
                    if (random() < 0.15) {
                        extra.pinned = true;
                    }
                    if (home.gpus.length > 0 && random() < 0.3) {
                        extra.gpu = { cards: 1, vramMiB: pick(1, 4) * GIB, deviceIds: ["0"] };
                    }
                    return service(`s${s}`, home.name, pick(1, 6), pick(1, 4) / 2, extra);
                });
                const problem: Problem = { nodes, services, targets: targets(85) };
                const prepared = prepareProblem(problem);
                const exact = await solveMilp(prepared, 30);
                const heuristic = solveHeuristic(prepared, { timeBudgetMs: 200 });
                const bound = lowerBoundMoves(prepared);
                if (exact.status === "infeasible") {
                    assert.equal(heuristic.placement, undefined, `round ${round}: the heuristic placed an infeasible problem`);
                    continue;
                }
                assert.equal(exact.status, "optimal", `round ${round}`);
                const optimum = countMoves(problem, exact.placement as Placement).moves;
                assert.ok(optimum >= bound.moves, `round ${round}: optimum ${optimum} below the lower bound ${bound.moves}`);
                assert.deepEqual(findViolations(prepared, exact.placement as Placement), [], `round ${round}`);
                feasible += 1;
                assert.ok(heuristic.placement, `round ${round}: the heuristic found no placement, the MILP moved ${optimum}`);
                assert.deepEqual(findViolations(prepared, heuristic.placement), [], `round ${round}`);
                const moves = countMoves(problem, heuristic.placement).moves;
                assert.ok(moves >= optimum, `round ${round}: heuristic ${moves} below the optimum ${optimum}`);
                equal += moves === optimum ? 1 : 0;
            }
            assert.ok(feasible >= 20, `only ${feasible} of 40 rounds were feasible`);
            assert.ok(equal >= feasible * 0.9, `the heuristic matched the optimum in ${equal} of ${feasible} rounds`);
        });
    });

    describe("move order", () => {
        it("frees a node before moving onto it", () => {
            const problem: Problem = {
                nodes: [node("a", 10, 4), node("b", 10, 4), node("c", 10, 4)],
                services: [service("to-b", "a", 6, 1), service("to-c", "b", 6, 1)],
                targets: targets(100),
            };
            const start = currentPlacement(problem);
            const final: Placement = [{ node: "b", deviceIds: [] }, { node: "c", deviceIds: [] }];
            const order = orderMoves(problem, start, final);
            assert.deepEqual(order.moves.map((m) => m.service), ["to-c", "to-b"]);
            assert.equal(order.live, true);
        });

        it("stops a service first when two full nodes swap", () => {
            const problem: Problem = {
                nodes: [node("a", 10, 4), node("b", 10, 4)],
                services: [service("p", "a", 6, 1), service("q", "b", 6, 1), service("r", "a", 4, 1), service("t", "b", 4, 1)],
                targets: targets(100),
            };
            const final: Placement = [
                { node: "b", deviceIds: [] },
                { node: "a", deviceIds: [] },
                { node: "a", deviceIds: [] },
                { node: "b", deviceIds: [] },
            ];
            const order = orderMoves(problem, currentPlacement(problem), final);
            assert.equal(order.live, false);
            assert.equal(order.moves.length, 2);
            assert.equal(order.moves.filter((m) => m.stopFirst).length, 1);
        });
    });

    describe("on the shipped inventory", () => {
        let milp: Solution;
        let heuristic: Solution;

        before(async () => {
            milp = found(await solveAt(shippedProblem(DEFAULT_TARGETS), MILP));
            heuristic = found(await solveAt(shippedProblem(DEFAULT_TARGETS), HEURISTIC));
        });

        it("keeps every node within 85 %", () => {
            const problem = shippedProblem(DEFAULT_TARGETS);
            const prepared = prepareProblem(problem);
            assert.deepEqual(findViolations(prepared, milp.placement), []);
            const usage = usageOf(problem, milp.placement);
            problem.nodes.forEach((n, i) => {
                assert.ok(usage.memoryMiB[i] * 100 <= n.memoryMiB * 85, `${n.name} memory`);
                assert.ok(usage.cpuMillicores[i] * 100 <= n.cpuMillicores * 85, `${n.name} CPU`);
            });
        });

        it("moves 13 services, the proven minimum, 48.25 GiB", () => {
            assert.equal(milp.optimal, true);
            assert.equal(milp.moves, 13);
            assert.equal(milp.lowerBound.moves, 13);
            assert.equal(milp.memoryMovedMiB, 48.25 * GIB);
        });

        it("gets the same figures from the heuristic", () => {
            assert.equal(heuristic.moves, milp.moves);
            assert.equal(heuristic.memoryMovedMiB, milp.memoryMovedMiB);
        });

        it("finds the hand plan's 11 moves above the 85 % target", () => {
            const inventory = loadInventory();
            const hand = toProblem(inventory, inventory.plans.rebalanced, DEFAULT_TARGETS);
            const start = shippedProblem(DEFAULT_TARGETS);
            const moved = hand.services.filter((s, i) => s.node !== start.services[i].node);
            assert.equal(moved.length, 11);
            const violations = findViolations(prepareProblem(hand), currentPlacement(hand));
            assert.deepEqual(violations, [
                "thanos memory 56320 MiB is above its target of 55705 MiB",
                "thanos CPU 14000 millicores is above its target of 13600",
                "oracle1 CPU 3500 millicores is above its target of 3400",
            ]);
        });

        it("moves no more than the hand plan at the hand plan's own figures", async () => {
            // The hand plan reaches 85.9 % of memory and 87.5 % of CPU.
            const solution = found(await solveAt(shippedProblem({ memoryPercent: 86, cpuPercent: 87.5, vramPercent: 85 }), MILP));
            assert.ok(solution.moves <= 11, `${solution.moves} moves`);
        });
    });

    describe("packing", () => {
        it("uses the bound's node count on an exact fit", () => {
            const input = {
                nodes: Array.from({ length: 5 }, (_, n) => node(`n${n}`, 10, 10)),
                services: Array.from({ length: 6 }, (_, s) => ({ name: `s${s}`, memoryMiB: 4 * GIB, cpuMillicores: 1000, platforms: ["amd64"] })),
                targets: targets(80),
            };
            assert.equal(packingLowerBound(input).nodes, 3);
            assert.equal(packBestFit(input, { timeBudgetMs: 100 }).nodesUsed, 3);
            assert.equal(packFirstFitDecreasing(input).nodesUsed, 3);
        });
    });

    describe("output inventory", () => {
        it("parses with the inventory schema", async () => {
            const inventory = loadInventory();
            const start = chooseStartingPoint(inventory);
            const solution = found(await solveAt(toProblem(inventory, start.services, DEFAULT_TARGETS), MILP));
            const raw = plannedInventory(inventory, start.services, solution.placement, "planned");
            const parsed = parseInventory(raw, "planned.yaml");
            assert.deepEqual(Object.keys(parsed.plans), ["planned"]);
            const moved = parsed.plans.planned.filter((s, i) => s.node !== start.services[i].node);
            assert.equal(moved.length, 13);
        });
    });
});

function shippedProblem(goal: Targets): Problem {
    const inventory = loadInventory();
    return toProblem(inventory, chooseStartingPoint(inventory).services, goal);
}

describe("npm run plan", () => {
    const PLAN = path.join(ROOT, "dist", "cli", "plan.js");
    const CHECK = path.join(ROOT, "dist", "cli", "check.js");
    const run = (script: string, ...args: string[]) => {
        const result = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, encoding: "utf8" });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-plan-"));
    });

    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes a plan that npm run check passes", () => {
        const file = path.join(dir, "planned.yaml");
        const planned = run(PLAN, "--output", file);
        assert.equal(planned.status, 0, planned.stderr);
        assert.match(planned.stdout, /^13 move\(s\), 48\.25 GiB of memory moved/m);
        assert.match(planned.stdout, /Hand plan `rebalanced`: 11 move\(s\)/);
        assert.match(planned.stdout, /^No placement within the targets makes 11 move\(s\) or fewer, as the hand plan does: the lower bound above is 13\.$/m);
        assert.match(planned.stdout, /^PLANNED: 13 move\(s\)/m);
        const checked = run(CHECK, "--inventory", file, "--plan", "planned");
        assert.equal(checked.status, 0, checked.stdout + checked.stderr);
        assert.match(checked.stdout, /^PASSED: .*\(0 advisory warning\(s\)\)$/m);
    });

    it("writes the moves as the migrate command reads them", () => {
        const file = path.join(dir, "moves.yaml");
        const planned = run(PLAN, "--moves-output", file);
        assert.equal(planned.status, 0, planned.stderr);
        assert.ok(planned.stdout.includes(`Wrote the 13 move(s) to ${file}; run them with:`), planned.stdout);
        const moves = readMovesFile(file);
        assert.equal(moves.length, 13);
        assert.deepEqual(moves[0], { service: "avatar-system", from: "thanos", to: "starlord" });
        assert.deepEqual(moves.at(-1), { service: "traefik", from: "oracle1", to: "starlord" });
    });

    it("gives a moved multi-GPU service free cards", () => {
        // trainer takes every card of thanos (`count: all`); on starlord, card 0 is nearly full.
        const input = path.join(dir, "gpus.yaml");
        fs.writeFileSync(
            input,
            [
                "nodes:",
                '  thanos: { memory: 64g, cpus: 16, arch: amd64, gpus: [{ id: "0", model: RTX 3080, vram: 10g }, ' +
                    '{ id: "1", model: RTX 3080, vram: 10g }] }',
                "  oracle1: { memory: 24g, cpus: 4, arch: arm64 }",
                '  starlord: { memory: 64g, cpus: 24, arch: amd64, gpus: [{ id: "0", model: RTX 4090, vram: 24g }, ' +
                    '{ id: "1", model: RTX 4090, vram: 24g }, { id: "2", model: RTX 4090, vram: 24g }] }',
                "plans:",
                "  start:",
                '    - { name: trainer, node: thanos, image: "example/trainer:1.0", memory: 40g, cpus: 4, gpu: { count: all, vram: 6g } }',
                '    - { name: database, node: thanos, image: "postgres:16.4", memory: 20g, cpus: 4, pinned: true }',
                '    - { name: renderer, node: starlord, image: "example/renderer:1.0", memory: 8g, cpus: 2, ' +
                    'gpu: { deviceIds: ["0"], vram: 20g } }',
                '    - { name: exporter, node: oracle1, image: "prom/node-exporter:v1.8.2", memory: 64m, cpus: 0.05 }',
                "",
            ].join("\n"),
        );

        const output = path.join(dir, "gpus-planned.yaml");
        const planned = run(PLAN, "--inventory", input, "--output", output);
        assert.equal(planned.status, 0, planned.stdout + planned.stderr);
        assert.match(planned.stdout, /^ {2}1 {2}trainer {2}thanos {2}starlord .* 6\.00 GiB on GPU 1, 2$/m);

        const trainer = loadInventory(output).plans.planned.find((s) => s.name === "trainer");
        assert.equal(trainer?.node, "starlord");
        assert.deepEqual(trainer?.gpu?.deviceIds, ["1", "2"]);
        assert.equal(trainer?.gpu?.count, undefined);

        const checked = run(CHECK, "--inventory", output, "--plan", "planned");
        assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    });

    it("exits 1 with the proof and the lowest feasible target", () => {
        const file = path.join(dir, "too-tight.yaml");
        const result = run(PLAN, "--headroom", "75", "--output", file);
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stdout, /^IMPOSSIBLE: no placement meets the targets/m);
        assert.match(result.stdout, /need 100\.00 GiB of memory, but 75 % of nodes \{thanos, starlord\} together is 96\.00 GiB: 4\.00 GiB too much/);
        assert.match(result.stdout, /^EXCEEDS THE REQUESTED TARGETS: the best placement at 80 %/m);
        assert.equal(fs.existsSync(file), false, "a plan above the targets must not be written");
    });

    it("exits 1 without a placement for the current plan", () => {
        const result = run(PLAN, "--plan", "current");
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stdout, /no target up to 100 % fits them/);
        assert.match(result.stdout, /^FAILED: no placement within the targets, nor within physical capacity\.$/m);
    });

    it("prints JSON with --json", () => {
        const result = run(PLAN, "--json", "--solver", "heuristic");
        assert.equal(result.status, 0, result.stderr);
        const report = JSON.parse(result.stdout) as { result: { attempt: { status: string; solution: { moves: number } } } };
        assert.equal(report.result.attempt.status, "found");
        assert.equal(report.result.attempt.solution.moves, 13);
    });

    for (const [args, pattern] of [
        [["--headroom", "120"], /--headroom: invalid percentage "120"/],
        [["--cpu-headroom", "abc"], /--cpu-headroom: invalid percentage "abc"/],
        [["--plan", "nope"], /--plan: unknown plan "nope"/],
        [["--time-limit", "0"], /--time-limit: invalid time limit "0"/],
        [["--solver", "simplex"], /Allowed choices are auto, milp, heuristic/],
        [["--inventory", "missing.yaml"], /missing\.yaml: cannot read the inventory: file not found/],
    ] as const) {
        it(`exits 2 on ${args.join(" ")}`, () => {
            const result = run(PLAN, ...args);
            assert.equal(result.status, 2, result.stdout);
            assert.match(result.stderr, pattern);
        });
    }
});
