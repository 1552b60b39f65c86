/**
 * Benchmark of the cold offline check (`node dist/cli/check.js --json`, all three stacks) against
 * a bare `node` that only loads the Pulumi SDK and the policy SDK. Three more commands show where
 * the time goes: the programs alone, and the pack's start from its compiled JavaScript and
 * through `run-policy-pack`.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

import { formatMs, formatRatio, markdownTable, median } from "./samples";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CHECK_SCRIPT = path.join(REPO_ROOT, "dist", "cli", "check.js");
const START_PACK_SCRIPT = path.join(REPO_ROOT, "dist", "bench", "start-pack.js");
const RUN_PROGRAMS_SCRIPT = path.join(REPO_ROOT, "dist", "bench", "run-programs.js");
const PACK_DIR = path.join(REPO_ROOT, "policies");
const COMPILED_PACK = path.join(REPO_ROOT, "dist", "policies", "index.js");

/** Maximum ratio of the check to the bare SDK load that meets the target. */
const RATIO_TARGET = 2;

/** One command the benchmark times as a new process. */
interface Subject {
    key: "bare" | "programs" | "compiledPack" | "sourcePack" | "check";
    label: string;
    args: string[];
    /** Exit codes that count as a successful run. */
    exitCodes: number[];
}

const SUBJECTS: Subject[] = [
    {
        key: "bare",
        label: "`node` loading `@pulumi/pulumi` and `@pulumi/policy` (floor)",
        args: ["-e", 'require("@pulumi/pulumi"); require("@pulumi/policy")'],
        exitCodes: [0],
    },
    {
        key: "programs",
        label: "`node` loading `@pulumi/pulumi` and running the three programs through it, no pack",
        args: [RUN_PROGRAMS_SCRIPT],
        exitCodes: [0],
    },
    {
        key: "compiledPack",
        label: "`node` loading both SDKs, then starting the BEV pack from `dist/policies` and stopping it",
        args: [START_PACK_SCRIPT, PACK_DIR, COMPILED_PACK],
        exitCodes: [0],
    },
    {
        key: "sourcePack",
        label: "the same, starting the pack from `policies/` through `run-policy-pack`, as the Pulumi CLI does",
        args: [START_PACK_SCRIPT, PACK_DIR],
        exitCodes: [0],
    },
    {
        key: "check",
        label: "`node dist/cli/check.js --json`: three stacks, pack start and verdicts",
        args: [CHECK_SCRIPT, "--json"],
        // 1 means a mandatory policy failed, which is still a full run of the check.
        exitCodes: [0, 1],
    },
];

/** Runs `node args` in the repository root and returns its wall time in milliseconds. */
function runNode(subject: Subject): Promise<number> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const child = spawn(process.execPath, subject.args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
        const stderr: string[] = [];
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
        child.once("error", reject);
        child.once("exit", (code, signal) => {
            const ms = Number(process.hrtime.bigint() - start) / 1e6;
            if (code !== null && subject.exitCodes.includes(code)) {
                resolve(ms);
            } else {
                reject(new Error(`node ${subject.args.join(" ")} exited with ${signal ?? `code ${code}`}:\n${stderr.join("")}`));
            }
        });
    });
}

/**
 * Times each subject `repetitions` times in new processes, rotating the order in every repetition
 * so that no subject always runs first, and returns the runs by subject.
 */
export async function measureCheck(log: (line: string) => void, repetitions: number): Promise<Map<Subject["key"], number[]>> {
    const runs = new Map<Subject["key"], number[]>(SUBJECTS.map((s) => [s.key, []]));
    // One untimed run of each fills the file system cache.
    for (const subject of SUBJECTS) {
        await runNode(subject);
    }
    for (let rep = 0; rep < repetitions; rep++) {
        const order = SUBJECTS.map((_, i) => SUBJECTS[(i + rep) % SUBJECTS.length]);
        const line: string[] = [];
        for (const subject of order) {
            const ms = await runNode(subject);
            runs.get(subject.key)!.push(ms);
            line.push(`${subject.key} ${formatMs(ms)}`);
        }
        log(`check bench: repetition ${rep + 1}/${repetitions}: ${line.join(", ")}`);
    }
    return runs;
}

/** Formats the measured runs as a Markdown section. */
export function formatCheckSection(runs: Map<Subject["key"], number[]>, repetitions: number): string {
    const medianOf = (key: Subject["key"]) => median(runs.get(key)!);
    const bare = medianOf("bare");
    const rows = SUBJECTS.map((s) => [s.label, formatMs(medianOf(s.key)), formatRatio(medianOf(s.key) / bare)]);
    const ratio = medianOf("check") / bare;
    const programsRatio = medianOf("programs") / bare;
    return [
        "## Offline check, cold",
        "",
        "`bench/check.ts` runs each command below as a new `node` process in the repository root and times it " +
            "from spawn to exit. Every repetition runs all five, in an order rotated by one each time, after one " +
            `untimed run of each; the table gives the medians of ${repetitions} repetitions. ` +
            "The check starts the pack from `dist/policies`, which `npm run build` compiles and type-checks with the " +
            "program; the Pulumi CLI starts it from `policies/` through the SDK's `run-policy-pack`, which compiles " +
            "and type-checks it again with ts-node on every start.",
        "",
        markdownTable(["Command", "Median", "Ratio to bare SDK load"], rows),
        "",
        `Target: the check within ${RATIO_TARGET}x of the bare \`node\` that only loads the Pulumi SDK and the policy SDK. ` +
            `Measured ${formatRatio(ratio)}, so the target is ${ratio <= RATIO_TARGET ? "met" : "not met"}. ` +
            `Running the three programs through the SDK, with no pack at all, takes ${formatRatio(programsRatio)} of ` +
            "the floor on its own.",
        "",
    ].join("\n");
}

/** Runs the check benchmark and returns its Markdown section. Progress goes to `log`. */
export async function benchCheck(log: (line: string) => void, repetitions = 7): Promise<string> {
    return formatCheckSection(await measureCheck(log, repetitions), repetitions);
}
