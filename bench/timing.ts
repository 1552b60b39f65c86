/**
 * Timing for the benchmarks.
 */

/** Returns the median of `values`, the mean of the middle two for an even count. */
export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Formats seconds as milliseconds below 1 s, else as seconds with two decimals. */
export function formatSeconds(seconds: number): string {
    return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

/**
 * Runs `task` `runs` times in sequence and times each run with `process.hrtime`. Calls
 * `progress` after each run with its number (from 1), its seconds and its result.
 */
export async function timeRuns<T>(
    runs: number,
    task: () => T | Promise<T>,
    progress: (run: number, seconds: number, result: T) => void,
): Promise<{ seconds: number[]; results: T[] }> {
    const seconds: number[] = [];
    const results: T[] = [];
    for (let run = 1; run <= runs; run++) {
        const started = process.hrtime.bigint();
        const result = await task();
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        seconds.push(elapsed);
        results.push(result);
        progress(run, elapsed, result);
    }
    return { seconds, results };
}
