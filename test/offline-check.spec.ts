import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { recordStack } from "../cli/engine";
import { CheckOptions, runCheckWithPolicies } from "../cli/offline-check";
import { InputError } from "../model/units";

const ROOT = path.resolve(__dirname, "..", "..");
const PACK_DIR = path.join(ROOT, "policies");
const COMPILED_PACK = path.join(ROOT, "dist", "policies", "index.js");

function options(overrides: Partial<CheckOptions> = {}): CheckOptions {
    return {
        projectDir: ROOT,
        program: path.join(ROOT, "dist", "index.js"),
        policyPack: PACK_DIR,
        policyPackEntry: COMPILED_PACK,
        stacks: [],
        plan: "current",
        preview: true,
        ...overrides,
    };
}

/** Command lines of this process's child processes. */
function childCommands(): string[] {
    const output = execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" });
    return output.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("ps "));
}

describe("the offline check's policy pack process", () => {
    it("compiled and source packs agree", async () => {
        const compiled = await runCheckWithPolicies(options());
        const { policyPackEntry: _, ...throughLauncher } = options();
        const source = await runCheckWithPolicies(throughLauncher);
        assert.equal(compiled.result.passed, false);
        assert.ok(compiled.result.stacks.some((s) => s.violations.some((v) => v.enforcementLevel === "mandatory")));
        assert.deepEqual(compiled, source);
    });

    it("missing compiled pack names the build", async () => {
        const missing = path.join(ROOT, "dist", "no-such-pack", "index.js");
        await assert.rejects(runCheckWithPolicies(options({ policyPackEntry: missing })), (error: Error) => {
            assert.equal(error.message, `Compiled policy pack ${missing} does not exist; build it with \`npm run build\``);
            return true;
        });
    });

    it("stops the pack on bad input", async () => {
        await assert.rejects(runCheckWithPolicies(options({ plan: "no-such-plan" })), InputError);
        assert.deepEqual(
            childCommands().filter((line) => line.includes(COMPILED_PACK)),
            [],
        );
    });

    it("stops the pack when a program fails", async () => {
        const broken = path.join(ROOT, "dist", "test", "support", "failing-program.js");
        await assert.rejects(runCheckWithPolicies(options({ program: broken })), /the program failed on purpose/);
        assert.deepEqual(
            childCommands().filter((line) => line.includes(COMPILED_PACK)),
            [],
        );
    });
});

describe("stack traces while a program runs", () => {
    const originalLimit = Error.stackTraceLimit;
    const originalDebug = process.env.PULUMI_DEBUG_PROMISE_LEAKS;

    afterEach(() => {
        Error.stackTraceLimit = originalLimit;
        if (originalDebug === undefined) {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        } else {
            process.env.PULUMI_DEBUG_PROMISE_LEAKS = originalDebug;
        }
    });

    async function errorFromRun(): Promise<Error> {
        let probeError: Error | undefined;
        await recordStack(
            async () => {
                new pulumi.ComponentResource("test:index:Probe", "probe");
                probeError = new Error("made during the run");
            },
            { project: "bev", stack: "probe", preview: true },
        );
        return probeError!;
    }

    it("are off during the run", async () => {
        delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        const error = await errorFromRun();
        assert.equal(error.stack, "Error: made during the run");
        assert.equal(Error.stackTraceLimit, originalLimit);
    });

    it("are kept with PULUMI_DEBUG_PROMISE_LEAKS", async () => {
        process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
        const error = await errorFromRun();
        assert.match(error.stack ?? "", /\n\s+at /);
    });
});
