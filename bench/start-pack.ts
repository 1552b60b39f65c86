/**
 * Loads the Pulumi SDK and the policy SDK, starts the policy pack in the directory given as the
 * first argument through `run-policy-pack`, reads its analyzer info and stops it. The check
 * benchmark runs this in a new process to measure what starting a pack costs.
 */
import "@pulumi/pulumi";
import "@pulumi/policy";

import { PolicyPackProcess } from "../cli/analyzer";

async function main(directory: string | undefined): Promise<void> {
    if (directory === undefined) {
        throw new Error("missing argument: the policy pack directory");
    }
    const pack = await PolicyPackProcess.start(directory);
    try {
        const info = await pack.getAnalyzerInfo();
        process.stdout.write(`${info.name} ${info.policies.length}\n`);
    } finally {
        await pack.stop();
    }
}

main(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
});
