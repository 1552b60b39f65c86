/**
 * Loads the Pulumi SDK and the policy SDK, starts the policy pack in the directory given as the
 * first argument, reads its analyzer info and stops it. With only the directory, the pack starts
 * through the SDK's `run-policy-pack`, as the Pulumi CLI starts it. With a compiled entry point as
 * the second argument, it starts from that file, as the check starts it. The check benchmark runs
 * this in a new process to measure what starting a pack costs.
 */
import "@pulumi/pulumi";
import "@pulumi/policy";

import { PolicyPackProcess } from "../cli/analyzer";

async function main(directory: string | undefined, entry: string | undefined): Promise<void> {
    if (directory === undefined) {
        throw new Error("missing argument: the policy pack directory");
    }
    const pack = await (entry === undefined ? PolicyPackProcess.start(directory) : PolicyPackProcess.startCompiled(directory, entry));
    try {
        const info = await pack.getAnalyzerInfo();
        process.stdout.write(`${info.name} ${info.policies.length}\n`);
    } finally {
        await pack.stop();
    }
}

main(process.argv[2], process.argv[3]).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
});
