/**
 * `npm run bench`: runs every benchmark section and writes BENCHMARKS.md at the repository root
 * with the date, the machine and the results. Progress lines go to stderr.
 * `npm run bench -- pack planner` runs only the named sections (pack, check, planner) and keeps
 * the other sections of the existing file.
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
    /** The Markdown heading the section starts with. */
    heading: string;
    run: (log: (line: string) => void) => Promise<string>;
}

/** Usage errors exit with 2, as in the project's other commands. */
const EXIT_USAGE = 2;

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
    { title: "pack", heading: "## Policy pack verdict", run: (log) => benchPack(log, parsePackSizes(process.env.BENCH_PACK_SIZES)) },
    { title: "check", heading: "## Offline check, cold", run: (log) => benchCheck(log) },
    { title: "planner", heading: "## Planner", run: benchPlanner },
];

const OUTPUT = path.resolve(__dirname, "..", "..", "BENCHMARKS.md");

/** Splits an existing BENCHMARKS.md into its sections, keyed by their `## ` heading line. */
function readSections(file: string): Map<string, string> {
    const sections = new Map<string, string>();
    if (!fs.existsSync(file)) {
        return sections;
    }
    for (const block of fs.readFileSync(file, "utf8").split(/^(?=## )/m).slice(1)) {
        sections.set(block.split("\n", 1)[0], block.trimEnd());
    }
    return sections;
}

async function main(requested: string[]): Promise<void> {
    const cpus = os.cpus();
    // With no names given, every section runs.
    const skipped = sections.filter((section) => requested.length > 0 && !requested.includes(section.title));
    const header = [
        "# Benchmarks",
        "",
        "Written by `npm run bench`; rerun it to refresh this page. Times are wall-clock on the machine below, " +
            "which may have been shared with other work while it ran.",
        "",
        `- date: ${new Date().toISOString()}${skipped.length > 0 ? ` (sections ${requested.join(", ")}; the others are from an earlier run)` : ""}`,
        `- machine: ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? "unknown model"}), ` +
            `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB of memory, ${os.platform()} ${os.arch()}`,
        `- Node.js ${process.version}`,
        "",
    ];
    const earlier = readSections(OUTPUT);
    const bodies: string[] = [];
    for (const section of sections) {
        if (skipped.includes(section)) {
            const earlierBody = earlier.get(section.heading);
            if (earlierBody !== undefined) {
                bodies.push(`${earlierBody}\n`);
            }
            continue;
        }
        const log = (line: string) => process.stderr.write(`[${section.title}] ${line}\n`);
        log("started");
        const started = Date.now();
        bodies.push(await section.run(log));
        log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    fs.writeFileSync(OUTPUT, `${[...header, ...bodies].join("\n").trimEnd()}\n`);
    process.stderr.write(`wrote ${OUTPUT}\n`);
}

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !sections.some((section) => section.title === name));
if (unknown.length > 0) {
    process.stderr.write(`error: unknown section(s) ${unknown.join(", ")}: expected ${sections.map((s) => s.title).join(", ")}\n`);
    process.exitCode = EXIT_USAGE;
} else {
    main(requested).catch((error: unknown) => {
        process.stderr.write(`error: the benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exitCode = 1;
    });
}
