/**
 * The check's CI outputs besides its table or JSON: the `--junit` and `--sarif` files, the
 * `--github-annotations` commands and the GitHub Actions job summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { InputError } from "../../model/units";
import { createParentFolders } from "../files";
import type { CheckRun } from "../offline-check";
import { formatAnnotations, formatStepSummary } from "./github";
import { buildSarifLog } from "./sarif";
import type { SiteLocator } from "./sites";

export interface OutputOptions {
    json?: boolean;
    junit?: string;
    sarif?: string;
    githubAnnotations?: boolean;
}

/**
 * Rejects output options that cannot be combined and creates the folders of the report files,
 * so that a bad path fails before the stacks run. Throws `InputError` naming the option.
 */
export function prepareOutputs(options: OutputOptions): void {
    if (options.json && options.githubAnnotations) {
        throw new InputError(
            "--github-annotations",
            "cannot be combined with --json, because the annotations follow the JSON on stdout and would make it " +
                "invalid; drop one option or run the check twice",
        );
    }
    if (options.junit !== undefined && options.sarif !== undefined && path.resolve(options.junit) === path.resolve(options.sarif)) {
        throw new InputError(`--junit and --sarif`, `both name ${options.junit}; give each report its own file`);
    }
    for (const [option, file] of [["--junit", options.junit], ["--sarif", options.sarif]] as const) {
        if (file !== undefined) {
            prepareFolder(option, file);
        }
    }
}

/** Formats the GitHub Actions annotations to print after the table, or "" when not requested. */
export function formatRequestedAnnotations(run: CheckRun, options: OutputOptions, locator: SiteLocator): string {
    return options.githubAnnotations ? formatAnnotations(run, locator) : "";
}

/**
 * Writes the requested report files, whatever the verdict, so that CI can upload them from a
 * failed run. With `--github-annotations` and `GITHUB_STEP_SUMMARY` set, as in GitHub Actions,
 * it also appends a Markdown table to the job summary. Throws `InputError` naming a file it
 * cannot write.
 */
export async function writeOutputs(run: CheckRun, options: OutputOptions, locator: SiteLocator): Promise<void> {
    if (options.junit !== undefined) {
        // The JUnit builder loads only when a report is requested.
        const { buildJUnitReport } = await import("./junit");
        writeFile("--junit", options.junit, buildJUnitReport(run, locator));
    }
    if (options.sarif !== undefined) {
        writeFile("--sarif", options.sarif, `${JSON.stringify(buildSarifLog(run, locator), null, 2)}\n`);
    }
    const summary = process.env.GITHUB_STEP_SUMMARY;
    if (options.githubAnnotations && summary !== undefined && summary !== "") {
        writeFile("GITHUB_STEP_SUMMARY", summary, formatStepSummary(run), { append: true });
    }
}

function prepareFolder(option: string, file: string): void {
    try {
        createParentFolders(file);
        fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
    } catch (error) {
        throw cannotWrite(option, file, error);
    }
}

function writeFile(option: string, file: string, content: string, { append = false } = {}): void {
    prepareFolder(option, file);
    try {
        if (append) {
            fs.appendFileSync(file, content);
        } else {
            fs.writeFileSync(file, content);
        }
    } catch (error) {
        throw cannotWrite(option, file, error);
    }
}

function cannotWrite(option: string, file: string, error: unknown): InputError {
    return new InputError(`${option} ${file}`, `cannot write the file: ${(error as Error).message}; choose a writable path`);
}
