/**
 * Small statistics and formatting helpers shared by the pack and check benchmarks.
 */

/** Returns the median of `values`, or NaN when there are none. */
export function median(values: readonly number[]): number {
    if (values.length === 0) {
        return NaN;
    }
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Formats milliseconds with a precision that suits their size. */
export function formatMs(ms: number): string {
    if (ms >= 10_000) {
        return `${(ms / 1000).toFixed(1)} s`;
    }
    if (ms >= 1000) {
        return `${(ms / 1000).toFixed(2)} s`;
    }
    return `${ms.toFixed(0)} ms`;
}

/** Formats a ratio as `1.23x`. */
export function formatRatio(ratio: number): string {
    return `${ratio.toFixed(2)}x`;
}

/** Formats a Markdown table from a header row and data rows. */
export function markdownTable(header: string[], rows: string[][]): string {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
