import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { CheckResult, DimensionReport, StackReport } from "../cli/offline-check";

const ROOT = path.resolve(__dirname, "..", "..");
const CHECK = path.join(ROOT, "dist", "cli", "check.js");

function check(...args: string[]) {
    const run = spawnSync(process.execPath, [CHECK, ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function checkJson(...args: string[]): { status: number | null; result: CheckResult } {
    const run = check(...args, "--json");
    assert.ok(run.stdout.startsWith("{"), `expected JSON, got stdout ${run.stdout} and stderr ${run.stderr}`);
    return { status: run.status, result: JSON.parse(run.stdout) as CheckResult };
}

function stack(result: CheckResult, name: string): StackReport {
    const report = result.stacks.find((s) => s.stack === name);
    assert.ok(report, `no report for stack ${name}`);
    return report;
}

function dimension(report: StackReport, kind: DimensionReport["kind"]): DimensionReport {
    return report.dimensions.find((d) => d.kind === kind)!;
}

describe("npm run check", () => {
    describe("on the current plan", () => {
        let status: number | null;
        let result: CheckResult;

        before(() => {
            ({ status, result } = checkJson("--plan", "current"));
        });

        it("exits 1", () => {
            assert.equal(status, 1);
            assert.equal(result.passed, false);
        });

        it("measures THANOS at 166.25 GiB (259.8 %) and 45.5 cores (284.4 %)", () => {
            const thanos = stack(result, "thanos");
            assert.equal(dimension(thanos, "memory").allocated, 166.25);
            assert.equal(dimension(thanos, "memory").percent, 259.8);
            assert.equal(dimension(thanos, "cpu").allocated, 45.5);
            assert.equal(dimension(thanos, "cpu").percent, 284.4);
        });

        it("measures ORACLE1 at 20.77 GiB (86.6 %) and 3.81 cores (95.3 %)", () => {
            const oracle1 = stack(result, "oracle1");
            assert.equal(dimension(oracle1, "memory").allocated.toFixed(2), "20.77");
            assert.equal(dimension(oracle1, "memory").percent, 86.6);
            assert.equal(dimension(oracle1, "cpu").allocated, 3.81);
            assert.equal(dimension(oracle1, "cpu").percent, 95.3);
        });

        it("rejects THANOS once per exhausted dimension", () => {
            const mandatory = stack(result, "thanos").violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepEqual(
                mandatory.map((v) => v.policyName),
                ["memory-within-node-capacity", "cpu-within-node-capacity", "vram-within-gpu-capacity"],
            );
        });

        it("agrees with the plan's own THANOS and ORACLE1 figures", () => {
            assert.deepEqual(stack(result, "thanos").planDifferences, []);
            assert.deepEqual(stack(result, "oracle1").planDifferences, []);
        });
    });

    describe("on the rebalanced plan", () => {
        let status: number | null;
        let result: CheckResult;

        before(() => {
            ({ status, result } = checkJson("--plan", "rebalanced"));
        });

        it("exits 0 with every mandatory policy passing", () => {
            assert.equal(status, 0);
            assert.deepEqual(
                result.stacks.flatMap((s) => s.violations).filter((v) => v.enforcementLevel === "mandatory"),
                [],
            );
        });

        it("warns that THANOS is above the 85 % alert line", () => {
            const thanos = stack(result, "thanos");
            assert.equal(dimension(thanos, "memory").percent, 85.9);
            assert.ok(thanos.violations.some((v) => v.policyName === "node-headroom" && /85\.9 %/.test(v.message)));
        });

        it("says where the plan's own figures are wrong", () => {
            assert.ok(stack(result, "starlord").planDifferences.some((d) => /memory: computed 45\.00 GiB, the plan states 40/.test(d)));
            assert.ok(stack(result, "thanos").planDifferences.some((d) => /memory percent: computed 85\.9 %, the plan states 85/.test(d)));
        });
    });

    it("checks the stacks as configured with no arguments", () => {
        const run = check();
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /Stack thanos: node thanos, plan rebalanced/);
        assert.match(run.stdout, /^PASSED: /m);
    });

    it("prints the figures in its table", () => {
        const run = check("--plan", "current", "--stack", "thanos");
        assert.equal(run.status, 1);
        assert.match(run.stdout, /memory\s+166\.25 GiB\s+64\.00 GiB\s+259\.8 %\s+OVER CAPACITY/);
        assert.match(run.stdout, /CPU\s+45\.5 cores\s+16 cores\s+284\.4 %\s+OVER CAPACITY/);
        assert.doesNotMatch(run.stdout, /Stack oracle1/);
    });

    it("gives the same verdict as an update", () => {
        const { status, result } = checkJson("--plan", "current", "--mode", "update", "--stack", "oracle1");
        assert.equal(status, 0);
        assert.equal(dimension(stack(result, "oracle1"), "memory").percent, 86.6);
    });

    describe("on bad input", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-check-"));

        after(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("exits 2 naming the path and value of a malformed inventory", () => {
            const file = path.join(dir, "inventory.yaml");
            fs.writeFileSync(
                file,
                [
                    "nodes:",
                    "  thanos: { memory: 64g, cpus: 16, arch: amd64 }",
                    "plans:",
                    "  current:",
                    "    - { name: web, node: thanos, image: 'nginx:1.27', memory: 2GB , cpus: 1 }",
                    "    - { name: db, node: thanos, image: 'postgres:16', memory: lots, cpus: 1 }",
                    "",
                ].join("\n"),
            );
            const run = check("--inventory", file, "--plan", "current");
            assert.equal(run.status, 2);
            assert.match(run.stderr, /inventory\.yaml: plans\.current\[1\]\.memory: invalid size "lots"/);
            assert.equal(run.stdout, "");
        });

        it("judges an inventory against its own nodes", () => {
            const file = path.join(dir, "small.yaml");
            fs.writeFileSync(
                file,
                [
                    "nodes:",
                    "  thanos: { memory: 32g, cpus: 8, arch: amd64 }",
                    "plans:",
                    "  current:",
                    "    - { name: a, node: thanos, image: 'nginx:1.27', memory: 20g, cpus: 4 }",
                    "    - { name: b, node: thanos, image: 'nginx:1.27', memory: 12289m, cpus: 4 }",
                    "",
                ].join("\n"),
            );
            const { status, result } = checkJson("--inventory", file, "--plan", "current", "--stack", "thanos");
            assert.equal(status, 1);
            const violations = stack(result, "thanos").violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /32\.00 GiB physical \(100\.0 %\), 0\.00 GiB \(1 MiB\) over/);
            assert.deepEqual(stack(result, "thanos").planDifferences, []);
        });

        it("suggests --stack and --plan for an own inventory", () => {
            const file = path.join(dir, "own.yaml");
            fs.writeFileSync(
                file,
                "nodes:\n  thanos: { memory: 32g, cpus: 8, arch: amd64 }\n" +
                    "plans:\n  current:\n    - { name: a, node: thanos, image: 'nginx:1.27', memory: 2g, cpus: 1 }\n",
            );
            const withoutStack = check("--inventory", file, "--plan", "current");
            assert.equal(withoutStack.status, 2);
            assert.match(
                withoutStack.stderr,
                /Pulumi\.oracle1\.yaml: config\.bev:node: unknown node "oracle1" in .*own\.yaml: expected one of thanos\. Check only this inventory's nodes with --stack thanos$/m,
            );
            const withoutPlan = check("--inventory", file, "--stack", "thanos");
            assert.equal(withoutPlan.status, 2);
            assert.match(
                withoutPlan.stderr,
                /Pulumi\.thanos\.yaml: config\.bev:plan: unknown plan "rebalanced" in .*own\.yaml: expected one of current\. Choose one with --plan$/m,
            );
        });

        it("exits 2 on an invalid Docker host", () => {
            const project = fs.mkdtempSync(path.join(os.tmpdir(), "bev-project-"));
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(project, "Pulumi.thanos.yaml"),
                "config:\n  bev:node: thanos\n  bev:plan: current\n  bev:dockerHost: ftp://thanos\n",
            );
            const run = spawnSync(process.execPath, [CHECK], { cwd: project, encoding: "utf8" });
            fs.rmSync(project, { recursive: true, force: true });
            assert.equal(run.status, 2, run.stderr);
            assert.match(run.stderr, /Pulumi\.thanos\.yaml: config\.bev:dockerHost: invalid Docker host "ftp:\/\/thanos"/);
        });

        it("exits 2 on an unknown plan", () => {
            const run = check("--plan", "next-year");
            assert.equal(run.status, 2);
            assert.match(run.stderr, /--plan: unknown plan "next-year" .* expected one of current, rebalanced/);
        });

        it("exits 2 on an unknown stack", () => {
            const run = check("--stack", "thor");
            assert.equal(run.status, 2);
            assert.match(run.stderr, /unknown stack "thor": no Pulumi\.thor\.yaml .* stacks found: oracle1, starlord, thanos/);
        });

        it("exits 2 on an unknown option", () => {
            const run = check("--plans", "current");
            assert.equal(run.status, 2);
            assert.match(run.stderr, /unknown option '--plans'/);
        });

        it("exits 2 on an unknown policy in the pack config", () => {
            const file = path.join(dir, "policy-config.json");
            fs.writeFileSync(file, JSON.stringify({ "memory-limit": { enforcementLevel: "advisory" } }));
            const run = check("--policy-pack-config", file);
            assert.equal(run.status, 2);
            assert.match(run.stderr, /unknown policy "memory-limit"/);
        });
    });
});
