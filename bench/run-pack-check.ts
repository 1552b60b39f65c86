/**
 * Runs the pack and check benchmarks and prints their Markdown sections to stdout; progress goes
 * to stderr. Usage: `node dist/bench/run-pack-check.js [pack|check]` runs one section, or both
 * when none is named. `BENCH_PACK_SIZES=500:3,5000:2` sets the pack sizes and repetitions.
 */
import { benchCheck } from "./check";
import { DEFAULT_PACK_SIZES, PackBenchSize, benchPack } from "./pack";

function parseSizes(text: string | undefined): PackBenchSize[] {
    if (text === undefined || text === "") {
        return DEFAULT_PACK_SIZES;
    }
    return text.split(",").map((entry) => {
        const [containers, repetitions] = entry.split(":").map(Number);
        if (!Number.isSafeInteger(containers) || containers < 1 || !Number.isSafeInteger(repetitions) || repetitions < 1) {
            throw new Error(`invalid BENCH_PACK_SIZES entry "${entry}": expected <containers>:<repetitions>, such as 5000:3`);
        }
        return { containers, repetitions };
    });
}

async function main(): Promise<void> {
    const only = process.argv[2];
    if (only !== undefined && only !== "pack" && only !== "check") {
        throw new Error(`unknown section "${only}": expected pack or check`);
    }
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const sections: string[] = [];
    if (only !== "check") {
        sections.push(await benchPack(log, parseSizes(process.env.BENCH_PACK_SIZES)));
    }
    if (only !== "pack") {
        sections.push(await benchCheck(log));
    }
    process.stdout.write(sections.join("\n"));
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
});
