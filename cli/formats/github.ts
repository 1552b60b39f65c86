/**
 * The check for GitHub Actions: workflow commands that annotate the inventory lines of each
 * violation, and a Markdown table for the job summary.
 */
import type { EnforcementLevel } from "../analyzer";
import type { CheckRun, DimensionReport } from "../offline-check";
import { SiteLocator, violationText } from "./sites";

/** Annotation command of each enforcement level. A disabled policy reports nothing. */
const COMMANDS: Record<EnforcementLevel, "error" | "warning" | undefined> = {
    mandatory: "error",
    advisory: "warning",
    remediate: "warning",
    disabled: undefined,
};

/** Escapes the message of a workflow command: `%`, carriage return and line feed. */
export function escapeData(text: string): string {
    return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a property value of a workflow command: as `escapeData`, and also `:` and `,`. */
export function escapeProperty(text: string): string {
    return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * Formats one `::error` (mandatory) or `::warning` (advisory, remediate) command per violation,
 * each on its own line, with the file and line of the inventory entry to change.
 * NOTE: GitHub shows at most 10 annotations of each level per step and drops the rest.
 */
export function formatAnnotations(run: CheckRun, locator: SiteLocator): string {
    const lines: string[] = [];
    for (const stack of run.result.stacks) {
        for (const violation of stack.violations) {
            const command = COMMANDS[violation.enforcementLevel];
            if (command === undefined) {
                continue;
            }
            const site = locator.locate(violation, stack);
            const properties = [
                `file=${escapeProperty(locator.displayPath(site.file))}`,
                `line=${site.line}`,
                `col=${site.column}`,
                `title=${escapeProperty(`${violation.policyName} (stack ${stack.stack})`)}`,
            ];
            lines.push(`::${command} ${properties.join(",")}::${escapeData(violationText(violation))}`);
        }
    }
    return lines.map((line) => `${line}\n`).join("");
}

/**
 * Formats a Markdown job summary: the verdict, a table of each stack's use of memory, CPU and
 * VRAM in percent of the node, and the first line of each violation.
 */
export function formatStepSummary(run: CheckRun): string {
    const { result } = run;
    const pack = `${result.policyPack.name} ${result.policyPack.version}`;
    const lines = [
        `### Capacity check ${result.passed ? "passed" : "failed"} (${escapeCell(pack)})`,
        "",
        "| stack | node | plan | memory | CPU | VRAM | mandatory | advisory |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ];
    for (const stack of result.stacks) {
        const percents = (kind: DimensionReport["kind"]) => {
            const percentages = stack.dimensions.filter((d) => d.kind === kind).map(formatPercent);
            return percentages.length === 0 ? "none" : percentages.join(", ");
        };
        const count = (level: EnforcementLevel) => stack.violations.filter((v) => v.enforcementLevel === level).length;
        const cells = [
            stack.stack,
            stack.node,
            stack.plan,
            percents("memory"),
            percents("cpu"),
            percents("vram"),
            String(count("mandatory")),
            String(count("advisory")),
        ];
        lines.push(`| ${cells.map(escapeCell).join(" | ")} |`);
    }
    const violations = result.stacks.flatMap((stack) =>
        stack.violations
            .filter((v) => COMMANDS[v.enforcementLevel] !== undefined)
            .map((v) => `- ${v.enforcementLevel} \`${v.policyName}\` on ${stack.stack}: ${violationText(v).split("\n")[0]}`),
    );
    if (violations.length > 0) {
        lines.push("", ...violations);
    }
    return `${lines.join("\n")}\n\n`;
}

function formatPercent(dimension: DimensionReport): string {
    const percent = `${dimension.percent.toFixed(1)} %`;
    const label = dimension.device === undefined ? percent : `GPU ${dimension.device}: ${percent}`;
    return dimension.over ? `**${label}**` : label;
}

function escapeCell(text: string): string {
    return text.replace(/\|/g, "\\|");
}
