/**
 * `npm run bench`: runs every benchmark section and writes BENCHMARKS.md at the repository root
 * with the date, the machine and the results. Progress lines go to stderr.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { benchPlanner } from "./planner";

/** A benchmark section: a title for progress lines and a function that returns its Markdown. */
interface Section {
    title: string;
    run: (log: (line: string) => void) => Promise<string>;
}

const sections: Section[] = [{ title: "planner", run: benchPlanner }];

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
    const bodies: string[] = [];
    for (const section of sections) {
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
