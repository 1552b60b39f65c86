/**
 * Sizes and CPU amounts written the way Docker writes them.
 *
 * Sizes use binary multiples and are case-insensitive, as in `docker run --memory`: `512m`, `3g`,
 * `3G`, `1.5GiB` and `1024M` are all valid. Inside the code every size is a whole number of MiB,
 * which is also the unit of `docker.Container.memory`. CPU amounts are decimal cores (`"1.5"`) and
 * are kept as whole millicores so that sums and percentages are exact.
 */

/** Bad input: names the value, where it was found and what is accepted. */
export class InputError extends Error {
    constructor(
        /** Location of the value, such as `inventory.yaml: plans.current[3].memory`. */
        readonly where: string,
        /** Description of the problem and of the accepted values, without the location. */
        readonly detail: string,
    ) {
        super(`${where}: ${detail}`);
        this.name = "InputError";
    }
}

export const MIB_PER_GIB = 1024;
export const MILLICORES_PER_CORE = 1000;

const SIZE_PATTERN = /^(\d+)(?:\.(\d+))?([kmgtp])?i?b?$/i;
const SIZE_EXPONENT: Record<string, number> = { "": 0, k: 1, m: 2, g: 3, t: 4, p: 5 };
const BYTES_PER_MIB = 1n << 20n;

const SIZE_ACCEPTED =
    "a number with a unit suffix (b, k, m, g, t or p, binary multiples, case-insensitive, " +
    "an optional `i` and `b`), such as 512m, 3g or 1.5GiB";

/**
 * Parses a Docker-style size into whole MiB.
 *
 * A string needs a unit suffix, because Docker reads a bare number as bytes and a limit of a few
 * bytes is never intended. A number is accepted only when the caller states its unit in
 * `numberUnit`. Throws `InputError` naming `where` for anything else, including values that are
 * not a whole number of MiB and values of zero.
 */
export function parseSizeMiB(value: unknown, where: string, numberUnit?: "MiB" | "GiB"): number {
    if (typeof value === "number") {
        if (numberUnit === undefined) {
            throw new InputError(where, `invalid size ${value}: a size must be a string with a unit, such as "${value === 0 ? 1 : value}m"`);
        }
        if (!/^\d+(\.\d+)?$/.test(String(value))) {
            throw new InputError(where, `invalid size ${value} ${numberUnit}: expected a plain number of ${numberUnit} above 0`);
        }
        return parseSizeMiB(`${value}${numberUnit === "MiB" ? "m" : "g"}`, where);
    }

    if (typeof value !== "string") {
        throw new InputError(where, `invalid size ${describe(value)}: expected ${SIZE_ACCEPTED}`);
    }
    if (value.length === 0) {
        throw new InputError(where, `invalid size "": expected ${SIZE_ACCEPTED}`);
    }
    if (/\s/.test(value)) {
        throw new InputError(where, `invalid size ${JSON.stringify(value)}: remove the whitespace; expected ${SIZE_ACCEPTED}`);
    }

    const match = SIZE_PATTERN.exec(value);
    if (!match) {
        throw new InputError(where, `invalid size ${JSON.stringify(value)}: expected ${SIZE_ACCEPTED}`);
    }
    const [, whole, fraction = "", unit = ""] = match;
    if (unit === "") {
        throw new InputError(
            where,
            `invalid size ${JSON.stringify(value)}: a bare number is bytes to Docker; add a unit, such as "${whole === "0" ? "1" : whole}m"`,
        );
    }

    // Exact arithmetic: "1.5g" is 15 * 1024^3 bytes over a scale of 10.
    const scale = 10n ** BigInt(fraction.length);
    const bytesTimesScale = BigInt(whole + fraction) * 1024n ** BigInt(SIZE_EXPONENT[unit.toLowerCase()]);
    const mibDivisor = BYTES_PER_MIB * scale;
    if (bytesTimesScale % mibDivisor !== 0n) {
        throw new InputError(
            where,
            `invalid size ${JSON.stringify(value)}: it is not a whole number of MiB, the unit Docker's memory limits use; round it to whole MiB`,
        );
    }

    const mib = bytesTimesScale / mibDivisor;
    if (mib === 0n) {
        throw new InputError(where, `invalid size ${JSON.stringify(value)}: a size must be at least 1m`);
    }
    if (mib > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new InputError(where, `invalid size ${JSON.stringify(value)}: too large to count in MiB`);
    }
    return Number(mib);
}

const CPU_PATTERN = /^(\d+)(?:\.(\d{1,3}))?$/;

/**
 * Parses a CPU amount in cores (`1.5`, `"0.25"`) into whole millicores, as `docker run --cpus`
 * reads it. Throws `InputError` for zero, negatives, exponents, more than three decimals and
 * anything that is not a plain decimal number.
 */
export function parseCpuMillicores(value: unknown, where: string): number {
    const accepted = 'a decimal number of cores above 0 with at most 3 decimals, such as 2, 0.5 or "1.25"';
    let text: string;
    if (typeof value === "number") {
        if (!Number.isFinite(value)) {
            throw new InputError(where, `invalid CPU amount ${value}: expected ${accepted}`);
        }
        text = String(value);
    } else if (typeof value === "string") {
        text = value;
    } else {
        throw new InputError(where, `invalid CPU amount ${describe(value)}: expected ${accepted}`);
    }
    const match = CPU_PATTERN.exec(text);
    if (!match) {
        const hint = /^\d+m$/.test(text) ? " (Docker's --cpus takes cores, not Kubernetes millicores)" : "";
        throw new InputError(where, `invalid CPU amount ${JSON.stringify(value)}${hint}: expected ${accepted}`);
    }
    const [, whole, fraction = ""] = match;
    const millicores = Number(whole) * MILLICORES_PER_CORE + Number(fraction.padEnd(3, "0"));
    if (millicores === 0) {
        throw new InputError(where, `invalid CPU amount ${JSON.stringify(value)}: a CPU limit must be above 0`);
    }
    return millicores;
}

/** Formats MiB as GiB with two decimals, such as `166.25`. */
export function formatGiB(mib: number): string {
    return (mib / MIB_PER_GIB).toFixed(2);
}

/** Formats millicores as cores with no trailing zeros, such as `45.5` or `3.81`. */
export function formatCores(millicores: number): string {
    return String(millicores / MILLICORES_PER_CORE);
}

/** Formats millicores the way `docker.Container.cpus` takes them, such as `"0.25"`. */
export function toDockerCpus(millicores: number): string {
    return formatCores(millicores);
}

/**
 * Returns `requested` as a percentage of `capacity`, rounded half up to one decimal.
 * The rounding runs on tenths of a percent so that 45.5 of 16 cores is 284.4, as a person
 * rounding 284.375 would write it.
 */
export function percentOf(requested: number, capacity: number): number {
    if (capacity <= 0) {
        return Number.POSITIVE_INFINITY;
    }
    return Math.round((requested * 1000) / capacity) / 10;
}

/** Formats a percentage from `percentOf` with one decimal. */
export function formatPercent(percent: number): string {
    return Number.isFinite(percent) ? percent.toFixed(1) : "inf";
}

function describe(value: unknown): string {
    if (value === undefined) {
        return "undefined";
    }
    return JSON.stringify(value) ?? String(value);
}
