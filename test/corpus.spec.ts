/**
 * Runs every bad input kept under test/corpus through `npm run check` as a user would: each case
 * is a YAML file that edits a valid project (a Pulumi.yaml, one stack file and
 * test/corpus/base-inventory.yaml) and names the exact error and exit code expected.
 * The fields of a case are documented on `Case` below.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { parse as parseYaml, stringify } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const CHECK = path.join(ROOT, "dist", "cli", "check.js");
const CORPUS = path.join(ROOT, "test", "corpus");
const PARALLEL_RUNS = 2;

interface Case {
    /** What is wrong with the input. */
    about: string;
    /** Inventory edits by path, such as `plans.main[0].memory`. */
    set?: Record<string, unknown>;
    /** Inventory paths to delete. */
    unset?: string[];
    /** The inventory file's whole text, instead of the edited base inventory. */
    inventoryText?: string;
    /** Name of the inventory file, such as inventory.json; inventory.yaml when absent. */
    inventoryName?: string;
    /** Stack config keys to set, or to delete with null. */
    stack?: Record<string, string | null>;
    /** The stack file's whole text, instead of the edited default. */
    stackText?: string;
    /** A `--policy-pack-config` file, as an object or as text. */
    packConfig?: unknown;
    packConfigText?: string;
    /** Extra command-line arguments. */
    args?: string[];
    exit: number;
    /** The exact first line on stderr, with `<dir>` for the case's folder. */
    error: string;
}

interface Outcome {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Splits `plans.main[0].memory` into `["plans", "main", 0, "memory"]`. */
function parsePath(text: string): (string | number)[] {
    return text.split(".").flatMap((part) => {
        const [key, ...indexes] = part.split("[");
        return [...(key === "" ? [] : [key]), ...indexes.map((index) => Number(index.replace("]", "")))];
    });
}

function setIn(target: unknown, keys: (string | number)[], value: unknown, remove: boolean): void {
    let node = target as Record<string | number, unknown>;
    for (const key of keys.slice(0, -1)) {
        if (node[key] === undefined) {
            node[key] = {};
        }
        node = node[key] as Record<string | number, unknown>;
    }
    const last = keys[keys.length - 1];
    if (remove) {
        delete node[last];
    } else {
        node[last] = value;
    }
}

/** Writes the case's project into `dir` and returns the arguments for the check. */
function prepare(testCase: Case, dir: string): string[] {
    const inventory = parseYaml(fs.readFileSync(path.join(CORPUS, "base-inventory.yaml"), "utf8")) as unknown;
    for (const [where, value] of Object.entries(testCase.set ?? {})) {
        setIn(inventory, parsePath(where), value, false);
    }
    for (const where of testCase.unset ?? []) {
        setIn(inventory, parsePath(where), undefined, true);
    }
    fs.writeFileSync(path.join(dir, testCase.inventoryName ?? "inventory.yaml"), testCase.inventoryText ?? stringify(inventory));

    const config: Record<string, string> = {
        "bev:node": "gpu-node",
        "bev:plan": "main",
        "bev:dockerHost": "ssh://bev@gpu-node",
        "bev:inventory": "inventory.yaml",
    };
    for (const [key, value] of Object.entries(testCase.stack ?? {})) {
        if (value === null) {
            delete config[key];
        } else {
            config[key] = value;
        }
    }
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bev\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), testCase.stackText ?? stringify({ config }));

    const args = ["--stack", "test"];
    if (testCase.packConfig !== undefined || testCase.packConfigText !== undefined) {
        fs.writeFileSync(path.join(dir, "pack.json"), testCase.packConfigText ?? JSON.stringify(testCase.packConfig));
        args.push("--policy-pack-config", "pack.json");
    }
    return [...args, ...(testCase.args ?? [])];
}

function runCheck(args: string[], cwd: string): Promise<Outcome> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CHECK, ...args], { cwd });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the results in order. */
async function mapPooled<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index]);
        }
    });
    await Promise.all(workers);
    return results;
}

function listCases(): { file: string; testCase: Case }[] {
    const files = fs
        .readdirSync(CORPUS, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".yaml") && file !== "base-inventory.yaml")
        .sort();
    return files.map((file) => ({ file, testCase: parseYaml(fs.readFileSync(path.join(CORPUS, file), "utf8")) as Case }));
}

describe("bad-input corpus", function () {
    const cases = listCases();
    const outcomes = new Map<string, Outcome>();

    before(async function () {
        this.timeout(20 * 60 * 1000);
        const results = await mapPooled(cases, PARALLEL_RUNS, async ({ file, testCase }) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-corpus-"));
            try {
                const outcome = await runCheck(prepare(testCase, dir), dir);
                return { ...outcome, stderr: outcome.stderr.split(dir).join("<dir>") };
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
        cases.forEach(({ file }, index) => outcomes.set(file, results[index]));
    });

    after(() => {
        const passed = [...outcomes.values()].filter((o) => o.status === 0).length;
        console.log(`      corpus: ${outcomes.size} bad inputs tried, ${passed} passed the check (expected 0)`);
    });

    it("has at least 60 cases", () => {
        assert.ok(cases.length >= 60, `only ${cases.length} cases`);
    });

    for (const { file, testCase } of cases) {
        it(`${file.replace(/\.yaml$/, "")}: ${testCase.about}`, () => {
            const outcome = outcomes.get(file) as Outcome;
            const firstLine = outcome.stderr.split("\n")[0];
            assert.notEqual(outcome.status, 0, `passed the check: ${outcome.stdout}`);
            assert.equal(outcome.status, testCase.exit, `stderr: ${outcome.stderr}`);
            assert.equal(firstLine, testCase.error);
            assert.equal(outcome.stdout, "", "bad input prints no partial report");
        });
    }
});
