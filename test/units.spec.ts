import { strict as assert } from "node:assert";

import { InputError, formatCores, formatGiB, parseCpuMillicores, parseSizeMiB, percentOf } from "../model/units";

describe("parseSizeMiB", () => {
    const valid: [string, number][] = [
        ["512m", 512],
        ["3g", 3072],
        ["3G", 3072],
        ["1.5GiB", 1536],
        ["1024M", 1024],
        ["2gb", 2048],
        ["1t", 1024 * 1024],
        ["1048576k", 1024],
        ["2304m", 2304],
        ["0.5g", 512],
    ];
    for (const [text, mib] of valid) {
        it(`reads ${text} as ${mib} MiB`, () => {
            assert.equal(parseSizeMiB(text, "test"), mib);
        });
    }

    const invalid: [unknown, RegExp][] = [
        ["2GB ", /remove the whitespace/],
        ["-1g", /expected a number with a unit suffix/],
        ["1e3", /expected a number with a unit suffix/],
        ["NaN", /expected a number with a unit suffix/],
        ["", /invalid size ""/],
        ["12x", /expected a number with a unit suffix/],
        ["1024", /a bare number is bytes to Docker/],
        ["0m", /at least 1m/],
        ["1.0001k", /not a whole number of MiB/],
        [undefined, /invalid size undefined/],
        [512, /must be a string with a unit/],
    ];
    for (const [value, message] of invalid) {
        it(`rejects ${JSON.stringify(value) ?? "undefined"}`, () => {
            assert.throws(() => parseSizeMiB(value, "nodes.thanos.memory"), (error: unknown) => {
                assert.ok(error instanceof InputError);
                assert.match(error.message, /^nodes\.thanos\.memory: /);
                assert.match(error.message, message);
                return true;
            });
        });
    }

    it("takes a number when the caller states the unit", () => {
        assert.equal(parseSizeMiB(512, "test", "MiB"), 512);
        assert.equal(parseSizeMiB(1.5, "test", "GiB"), 1536);
    });

    it("rejects NaN even with a stated unit", () => {
        assert.throws(() => parseSizeMiB(Number.NaN, "test", "MiB"), /invalid size NaN MiB/);
    });
});

describe("parseCpuMillicores", () => {
    const valid: [unknown, number][] = [
        [2, 2000],
        ["1.5", 1500],
        [0.125, 125],
        ["3.81", 3810],
        [16, 16000],
    ];
    for (const [value, millicores] of valid) {
        it(`reads ${JSON.stringify(value)} as ${millicores} millicores`, () => {
            assert.equal(parseCpuMillicores(value, "test"), millicores);
        });
    }

    const invalid: [unknown, RegExp][] = [
        [0, /must be above 0/],
        ["0.000", /must be above 0/],
        [-1, /expected a decimal number/],
        ["1e3", /expected a decimal number/],
        [Number.NaN, /expected a decimal number/],
        ["500m", /takes cores, not Kubernetes millicores/],
        ["0.0005", /at most 3 decimals/],
        ["", /expected a decimal number/],
        [null, /expected a decimal number/],
    ];
    for (const [value, message] of invalid) {
        it(`rejects ${typeof value === "string" ? JSON.stringify(value) : String(value)}`, () => {
            assert.throws(() => parseCpuMillicores(value, "services[0].cpus"), message);
        });
    }
});

describe("percentOf", () => {
    it("rounds half up on tenths", () => {
        assert.equal(percentOf(45_500, 16_000), 284.4);
        assert.equal(percentOf(3_810, 4_000), 95.3);
    });

    it("reports the plan's THANOS and ORACLE1 memory figures", () => {
        assert.equal(percentOf(170_240, 65_536), 259.8);
        assert.equal(percentOf(21_272, 24_576), 86.6);
    });

    it("is infinite against zero capacity", () => {
        assert.equal(percentOf(1, 0), Number.POSITIVE_INFINITY);
    });
});

describe("formatting", () => {
    it("formats GiB with two decimals", () => {
        assert.equal(formatGiB(170_240), "166.25");
        assert.equal(formatGiB(21_272), "20.77");
    });

    it("formats cores without trailing zeros", () => {
        assert.equal(formatCores(45_500), "45.5");
        assert.equal(formatCores(3_810), "3.81");
        assert.equal(formatCores(16_000), "16");
    });
});
