/**
 * `npm run bench`: runs every benchmark section and writes BENCHMARKS.md at the repository root
 * with the date, the machine and the results. Progress lines go to stderr.
 * `npm run bench -- pack planner` runs only the named sections (pack, check, planner).
 * `BENCH_PACK_SIZES=500:3,5000:2` sets the pack benchmark's sizes and repetitions.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { benchCheck } from "./check";
import { DEFAULT_PACK_SIZES, PackBenchSize, benchPack } from "./pack";
import { benchPlanner } from "./planner";

/** A benchmark section: a title for progress lines and a function that returns its Markdown. */
interface Section {
    title: string;
    run: (log: (line: string) => void) => Promise<string>;
}

function parsePackSizes(text: string | undefined): PackBenchSize[] {
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

const sections: Section[] = [
    { title: "pack", run: (log) => benchPack(log, parsePackSizes(process.env.BENCH_PACK_SIZES)) },
    { title: "check", run: (log) => benchCheck(log) },
    { title: "planner", run: benchPlanner },
];

const OUTPUT = path.resolve(__dirname, "..", "..", "BENCHMARKS.md");

async function main(): Promise<void> {
    const cpus = os.cpus();
    const header = [
        "# Benchmarks",
        "",
        "Written by `npm run bench`; rerun it to refresh this page. Times are wall-clock on the machine below, " +
            "which may have been shared with other work while it ran.",
        "",
        `- date: ${new Date().toISOString()}`,
        `- machine: ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? "unknown model"}), ` +
            `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB of memory, ${os.platform()} ${os.arch()}`,
        `- Node.js ${process.version}`,
        "",
    ];
    const requested = process.argv.slice(2);
    const unknown = requested.filter((name) => !sections.some((section) => section.title === name));
    if (unknown.length > 0) {
        throw new Error(`unknown section(s) ${unknown.join(", ")}: expected ${sections.map((s) => s.title).join(", ")}`);
    }
    const bodies: string[] = [];
    for (const section of sections.filter((s) => requested.length === 0 || requested.includes(s.title))) {
        const log = (line: string) => process.stderr.write(`[${section.title}] ${line}\n`);
        log("started");
        const started = Date.now();
        bodies.push(await section.run(log));
        log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    fs.writeFileSync(OUTPUT, `${[...header, ...bodies].join("\n").trimEnd()}\n`);
    process.stderr.write(`wrote ${OUTPUT}\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`error: the benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
});
