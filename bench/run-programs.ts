/**
 * Loads the Pulumi SDK and runs the program once for each node stack through it, as the check
 * does, with no policy pack and no verdicts. The check benchmark runs this in a new process to
 * measure the part of the check that any offline check running the program pays.
 */
import * as path from "node:path";

import { runProgram } from "../cli/engine";
import { listStacks, readProjectName, readStackConfig } from "../cli/stacks";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

async function main(): Promise<void> {
    const project = readProjectName(REPO_ROOT);
    let resources = 0;
    for (const stack of listStacks(REPO_ROOT)) {
        const { config } = readStackConfig(REPO_ROOT, project, stack);
        const run = await runProgram({ program: path.join(REPO_ROOT, "dist", "index.js"), project, stack, config, preview: true });
        resources += run.resources.length;
    }
    process.stdout.write(`${resources} resources\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
});
