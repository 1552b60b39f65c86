/**
 * `npm run check`: checks every node stack against its node's capacity without the Pulumi CLI.
 * Exit codes: 0 when every mandatory policy passes, 1 when one fails, 2 on bad input or usage,
 * 3 when the check itself fails (the policy pack does not start, for example).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { Command, Option } from "commander";

import { InputError } from "../model/units";
import { EXIT_BAD_INPUT, parseCommandLine } from "./command-line";
import { formatRequestedAnnotations, prepareOutputs, writeOutputs } from "./formats/outputs";
import { SiteLocator } from "./formats/sites";
import { CheckRun, runCheckWithPolicies } from "./offline-check";
import { formatReport } from "./report";

const EXIT_FAILED_POLICY = 1;
const EXIT_INTERNAL_ERROR = 3;

const packageRoot = path.resolve(__dirname, "..", "..");
// Stack files are read from the working directory when it is a Pulumi project, as the CLI does.
const projectDir = fs.existsSync(path.join(process.cwd(), "Pulumi.yaml")) ? process.cwd() : packageRoot;

async function main(argv: string[]): Promise<number> {
    const command = new Command("check")
        .description("Check each node stack's memory, CPU and VRAM allocations against the node's hardware, offline.")
        .option("--stack <name...>", "stacks to check (default: every Pulumi.<stack>.yaml)")
        .option("--plan <name>", "plan to check instead of each stack's bev:plan, such as current or rebalanced")
        .option("--inventory <file>", "YAML or JSON inventory to use instead of the shipped one")
        .option("--policy-pack-config <file>", "policy pack config JSON, as for pulumi preview --policy-pack-config")
        .addOption(new Option("--mode <mode>", "run the program as a preview or as an update").choices(["preview", "update"]).default("preview"))
        .option("--json", "print the result as JSON")
        .option("--junit <file>", "also write a JUnit XML report: one test suite per stack, one test case per policy")
        .option("--sarif <file>", "also write a SARIF 2.1.0 log: one result per violation, at its inventory entry")
        .option("--github-annotations", "also print a GitHub Actions ::error or ::warning command per violation");

    const stop = parseCommandLine(command, argv);
    if (stop !== undefined) {
        return stop;
    }
    const options = command.opts<{
        stack?: string[];
        plan?: string;
        inventory?: string;
        policyPackConfig?: string;
        mode: "preview" | "update";
        json?: boolean;
        junit?: string;
        sarif?: string;
        githubAnnotations?: boolean;
    }>();
    try {
        prepareOutputs(options);
    } catch (error) {
        return reportInputError(error);
    }

    let run: CheckRun;
    try {
        run = await runCheckWithPolicies({
            projectDir,
            program: path.join(packageRoot, "dist", "index.js"),
            policyPack: path.join(packageRoot, "policies"),
            // `npm run build` compiles and type-checks the pack with the program.
            policyPackEntry: path.join(packageRoot, "dist", "policies", "index.js"),
            stacks: (options.stack ?? []).flatMap((s) => s.split(",")).filter((s) => s !== ""),
            ...(options.plan === undefined ? {} : { plan: options.plan }),
            ...(options.inventory === undefined ? {} : { inventory: options.inventory }),
            ...(options.policyPackConfig === undefined ? {} : { policyPackConfig: options.policyPackConfig }),
            preview: options.mode === "preview",
        });
    } catch (error) {
        if (error instanceof InputError) {
            process.stderr.write(`error: ${error.message}\n`);
            return EXIT_BAD_INPUT;
        }
        process.stderr.write(`error: the check failed: ${describeInternalError(error)}\n`);
        return EXIT_INTERNAL_ERROR;
    }

    const { result } = run;
    const locator = new SiteLocator({ packageRoot, projectDir });
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
    process.stdout.write(formatRequestedAnnotations(run, options, locator));
    try {
        await writeOutputs(run, options, locator);
    } catch (error) {
        return reportInputError(error);
    }
    return result.passed ? 0 : EXIT_FAILED_POLICY;
}

/** Prints an `InputError` and returns the bad-input exit code. Rethrows any other error. */
function reportInputError(error: unknown): number {
    if (error instanceof InputError) {
        process.stderr.write(`error: ${error.message}\n`);
        return EXIT_BAD_INPUT;
    }
    throw error;
}

/**
 * Formats an unexpected error with its stack. Errors made while a program runs carry no stack
 * frames (see `recordStack`), so for those the text adds how to record them.
 */
function describeInternalError(error: unknown): string {
    if (!(error instanceof Error)) {
        return String(error);
    }
    const stack = error.stack ?? error.message;
    return /\n\s+at /.test(stack)
        ? stack
        : `${stack}\n(errors raised while a program runs have no stack frames; set PULUMI_DEBUG_PROMISE_LEAKS=1 to record them)`;
}

// The program runs inside the Pulumi runtime, which can surface its errors as unhandled rejections.
const reportUnhandled = (error: unknown) => {
    process.stderr.write(`error: ${error instanceof InputError ? error.message : describeInternalError(error)}\n`);
    process.exit(error instanceof InputError ? EXIT_BAD_INPUT : EXIT_INTERNAL_ERROR);
};
process.on("unhandledRejection", reportUnhandled);
process.on("uncaughtException", reportUnhandled);

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
        process.exitCode = EXIT_INTERNAL_ERROR;
    },
);
