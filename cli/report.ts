/**
 * The check's table for people: per node, each dimension's allocation against capacity, where the
 * plan's own figures differ, and every violation.
 */
import type { CheckResult, DimensionReport, StackReport } from "./offline-check";

function formatAmount(d: DimensionReport, amount: number): string {
    return d.unit === "cores" ? `${amount} cores` : `${amount.toFixed(2)} GiB`;
}

function formatStack(report: StackReport): string {
    const lines = [
        `Stack ${report.stack}: node ${report.node}, plan ${report.plan}, ${report.containers} container${report.containers === 1 ? "" : "s"} (${report.inventory})`,
    ];
    const rows = report.dimensions.map((d) => [
        d.label,
        formatAmount(d, d.allocated),
        formatAmount(d, d.capacity),
        `${d.percent.toFixed(1)} %`,
        d.over ? "OVER CAPACITY" : "fits",
    ]);
    const header = ["dimension", "allocated", "capacity", "percent", ""];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const format = (cells: string[]) =>
        "  " + cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ").trimEnd();
    lines.push(format(header), ...rows.map(format));
    for (const difference of report.planDifferences) {
        lines.push(`  differs from the plan: ${difference}`);
    }
    if (report.violations.length === 0) {
        lines.push("  no policy violations");
    }
    for (const violation of report.violations) {
        // The policy SDK prefixes each message with the policy's description; the name suffices here.
        const message = violation.message.startsWith(`${violation.description}\n`)
            ? violation.message.slice(violation.description.length + 1)
            : violation.message;
        const [first, ...rest] = message.split("\n");
        lines.push(`  ${violation.enforcementLevel} ${violation.policyName}: ${first}`);
        lines.push(...rest.map((line) => `    ${line}`));
    }
    return lines.join("\n");
}

/** Formats the whole result, ending with a one-line verdict. */
export function formatReport(result: CheckResult): string {
    const mandatory = result.stacks.flatMap((s) => s.violations).filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = result.stacks.flatMap((s) => s.violations).filter((v) => v.enforcementLevel === "advisory").length;
    const verdict = result.passed
        ? `PASSED: every mandatory policy of ${result.policyPack.name} ${result.policyPack.version} passed (${advisory} advisory warning(s))`
        : `FAILED: ${mandatory} mandatory violation(s), ${advisory} advisory warning(s)`;
    return `${result.stacks.map(formatStack).join("\n\n")}\n\n${verdict}\n`;
}
