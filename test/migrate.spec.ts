/**
 * The migration runbook against two real Docker daemons, started by these tests and standing for
 * the nodes thanos and starlord.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import type Docker from "dockerode";

import { readManifest } from "../migrate/backup";
import { MIGRATED_FROM_LABEL } from "../migrate/container-config";
import { DockerNode, connectNode, inspectContainer, inspectVolume } from "../migrate/docker";
import { MigrationError, RunbookOptions, migrateService } from "../migrate/runbook";
import {
    BUSYBOX_IMAGE,
    DaemonPair,
    killDaemon,
    startDaemon,
    startDaemonPair,
    stopDaemonPair,
} from "./support/docker-daemons";
import { VolumeFiles, readVolume, sampleFiles, writeVolume } from "./support/volumes";

const ROOT = path.resolve(__dirname, "..", "..");
const MIGRATE = path.join(ROOT, "dist", "cli", "migrate.js");
const MIB = 1024 * 1024;

/** Creates and starts a service as the Pulumi components declare it: limits, bev.* labels, restart policy, volumes. */
async function createService(
    client: Docker,
    name: string,
    volumes: Record<string, string>,
    extra: Partial<Docker.ContainerCreateOptions> = {},
): Promise<Docker.ContainerInspectInfo> {
    const container = await client.createContainer({
        ...extra,
        name,
        Image: BUSYBOX_IMAGE,
        // busybox sh as PID 1 ignores SIGTERM unless trapped; the trap makes stops fast.
        Cmd: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
        Env: ["MODE=production", "SHARDS=3"],
        Labels: { "bev.node": "thanos", "bev.service": name, "bev.plan": "current" },
        StopTimeout: 5,
        HostConfig: {
            Memory: 64 * MIB,
            MemorySwap: 64 * MIB,
            MemoryReservation: 32 * MIB,
            NanoCpus: 500_000_000,
            RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            Mounts: Object.entries(volumes).map(([volume, target]) => ({ Type: "volume", Source: volume, Target: target })),
        },
    });
    await container.start();
    return container.inspect();
}

function assertSameFiles(actual: VolumeFiles, expected: VolumeFiles): void {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    for (const [name, content] of Object.entries(expected)) {
        assert.ok(actual[name].equals(content), `${name}: content differs (${actual[name].length} vs ${content.length} bytes)`);
    }
}

describe("migration runbook on two Docker daemons", function () {
    this.timeout(300_000);

    let pair: DaemonPair;
    let thanos: DockerNode;
    let starlord: DockerNode;
    let scratch: string;
    let backupDir: string;

    before(async () => {
        pair = await startDaemonPair("thanos", "starlord");
        scratch = fs.mkdtempSync(path.join(pair.root, "scratch-"));
        backupDir = path.join(pair.root, "backups");
        thanos = await connectNode("thanos", pair.source.host, "thanos");
        starlord = await connectNode("starlord", pair.target.host, "starlord");
    });

    after(async () => {
        if (pair !== undefined) {
            await stopDaemonPair(pair);
        }
    });

    const options = (service: string, extra: Partial<RunbookOptions> = {}): RunbookOptions => ({
        move: { service, from: "thanos", to: "starlord" },
        source: thanos,
        target: starlord,
        backupDir,
        helperImage: BUSYBOX_IMAGE,
        settleMs: 1000,
        ...extra,
    });

    describe("a move that succeeds", () => {
        const files = sampleFiles(4 * MIB);
        let source: Docker.ContainerInspectInfo;
        let log: string[];

        before(async () => {
            await writeVolume(pair.source.client, "memory-manager-data", files, scratch, { "current.bin": "models/weights.bin" });
            source = await createService(pair.source.client, "memory-manager", { "memory-manager-data": "/var/lib/memory-manager" });
            log = [];
            const result = await migrateService(options("memory-manager", { log: (line) => log.push(line) }));
            assert.equal(result.status, "moved");
        });

        it("restores the volume byte for byte", async () => {
            assertSameFiles(await readVolume(pair.target.client, "memory-manager-data", scratch), files);
        });

        it("runs the container on the target", async () => {
            const target = await inspectContainer(starlord, "memory-manager");
            assert.ok(target, "no container memory-manager on starlord");
            assert.equal(target.State.Running, true);
        });

        it("keeps limits, restart policy and environment", async () => {
            const target = (await inspectContainer(starlord, "memory-manager"))!;
            assert.equal(target.HostConfig.Memory, source.HostConfig.Memory);
            assert.equal(target.HostConfig.MemorySwap, source.HostConfig.MemorySwap);
            assert.equal(target.HostConfig.MemoryReservation, source.HostConfig.MemoryReservation);
            assert.equal(target.HostConfig.NanoCpus, source.HostConfig.NanoCpus);
            assert.deepEqual(target.HostConfig.RestartPolicy, source.HostConfig.RestartPolicy);
            assert.deepEqual(target.Config.Env, source.Config.Env);
            assert.deepEqual(target.Config.Cmd, source.Config.Cmd);
        });

        it("keeps labels with bev.node set to the target", async () => {
            const target = (await inspectContainer(starlord, "memory-manager"))!;
            assert.deepEqual(target.Config.Labels, {
                ...source.Config.Labels,
                "bev.node": "starlord",
                [MIGRATED_FROM_LABEL]: "thanos",
            });
        });

        it("mounts the volume at the same path", async () => {
            const target = (await inspectContainer(starlord, "memory-manager"))!;
            assert.deepEqual(
                target.Mounts.map((m) => [m.Name, m.Destination]),
                [["memory-manager-data", "/var/lib/memory-manager"]],
            );
        });

        it("removes the source container and keeps its volume", async () => {
            assert.equal(await inspectContainer(thanos, "memory-manager"), undefined);
            assert.ok(await inspectVolume(thanos, "memory-manager-data"), "source volume removed");
        });

        it("writes a manifest with checksums and the configuration", () => {
            const directory = path.join(backupDir, "memory-manager", "thanos-to-starlord");
            const manifest = readManifest(directory)!;
            assert.equal(manifest.volumes.length, 1);
            assert.match(manifest.volumes[0].sha256, /^[0-9a-f]{64}$/);
            assert.ok(manifest.volumes[0].listing.some((line) => line.endsWith("/current.bin -> models/weights.bin")));
            const config = JSON.parse(fs.readFileSync(path.join(directory, "container.json"), "utf8")) as Docker.ContainerInspectInfo;
            assert.equal(config.Id, source.Id);
            assert.equal(config.HostConfig.Memory, 64 * MIB);
            assert.match(fs.readFileSync(path.join(directory, "SHA256SUMS"), "utf8"), /volumes\/memory-manager-data\.tar/);
        });

        it("logs each step in order", () => {
            const steps = log.map((line) => /: \((\w|-)\) ([\w-]+):/.exec(line)?.[2]).filter((s) => s !== undefined);
            const order = [...new Set(steps)];
            assert.deepEqual(order, [
                "preflight", "backup", "verify-backup", "stop-source", "restore", "start-target", "health-check", "remove-source",
            ]);
        });

        it("reports a rerun as already moved", async () => {
            const result = await migrateService(options("memory-manager"));
            assert.equal(result.status, "already-moved");
        });
    });

    describe("a service that writes after the backup", () => {
        const files = sampleFiles(512 * 1024);
        const late = { "late/written-after-backup.bin": Buffer.from("written between the backup and the stop\n") };
        let log: string[];

        before(async () => {
            await writeVolume(pair.source.client, "swarm-master-1-data", files, scratch);
            await createService(pair.source.client, "swarm-master-1", { "swarm-master-1-data": "/data" });
            log = [];
            await migrateService(
                options("swarm-master-1", {
                    log: (line) => log.push(line),
                    onProgress: async (step) => {
                        if (step === "verify-backup") {
                            await writeVolume(pair.source.client, "swarm-master-1-data", late, scratch);
                        }
                    },
                }),
            );
        });

        it("backs up again after the stop", () => {
            assert.ok(log.some((line) => /volume swarm-master-1-data changed after the backup .*backing up again/.test(line)), log.join("\n"));
        });

        it("restores the late write too", async () => {
            assertSameFiles(await readVolume(pair.target.client, "swarm-master-1-data", scratch), { ...files, ...late });
        });
    });

    describe("a container with a HEALTHCHECK", () => {
        const check = (test: string[]) => ({
            Healthcheck: { Test: ["CMD", ...test], Interval: 300_000_000, Timeout: 1_000_000_000, Retries: 2 },
        });

        it("moves once the target reports healthy", async () => {
            await writeVolume(pair.source.client, "emotional-intelligence-data", { ready: Buffer.from("ok\n") }, scratch);
            const volumes = { "emotional-intelligence-data": "/data" };
            await createService(pair.source.client, "emotional-intelligence", volumes, check(["test", "-f", "/data/ready"]));
            const log: string[] = [];
            const result = await migrateService(options("emotional-intelligence", { log: (line) => log.push(line) }));
            assert.equal(result.status, "moved");
            assert.ok(log.some((line) => /\(f\) health-check: container emotional-intelligence is healthy/.test(line)), log.join("\n"));
        });

        it("rolls back when the target turns unhealthy", async () => {
            await createService(pair.source.client, "anomaly-detector", {}, check(["false"]));
            const error = await migrateService(options("anomaly-detector", { healthTimeoutMs: 30_000 })).catch((e: unknown) => e);
            assert.ok(error instanceof MigrationError, `expected MigrationError, got ${String(error)}`);
            assert.equal(error.step, "health-check");
            assert.equal(error.outcome, "rolled-back");
            assert.match(error.message, /failed at step health-check \(f\): container anomaly-detector on starlord is unhealthy/);
            assert.equal((await inspectContainer(thanos, "anomaly-detector"))?.State.Running, true);
            assert.equal(await inspectContainer(starlord, "anomaly-detector"), undefined);
        });
    });

    describe("a backup that fails", () => {
        let source: Docker.ContainerInspectInfo;
        let error: unknown;

        before(async () => {
            await writeVolume(pair.source.client, "grafana-data", sampleFiles(64 * 1024), scratch);
            source = await createService(pair.source.client, "grafana", { "grafana-data": "/var/lib/grafana" });
            // A regular file where the backup folder's parent should be: mkdir fails with ENOTDIR.
            const blocked = path.join(scratch, "not-a-folder");
            fs.writeFileSync(blocked, "");
            error = await migrateService(options("grafana", { backupDir: path.join(blocked, "backups") })).catch((e: unknown) => e);
        });

        it("fails at the backup step, naming service and nodes", () => {
            assert.ok(error instanceof MigrationError, `expected MigrationError, got ${String(error)}`);
            assert.equal(error.step, "backup");
            assert.equal(error.outcome, "unchanged");
            assert.match(error.message, /moving service "grafana" from thanos to starlord failed at step backup \(a\): .*ENOTDIR/);
        });

        it("leaves the source running, never stopped", async () => {
            const now = (await inspectContainer(thanos, "grafana"))!;
            assert.equal(now.State.Running, true);
            assert.equal(now.State.StartedAt, source.State.StartedAt);
        });

        it("creates nothing on the target", async () => {
            assert.equal(await inspectContainer(starlord, "grafana"), undefined);
            assert.equal(await inspectVolume(starlord, "grafana-data"), undefined);
        });
    });

    describe("a target that fails to start", () => {
        const files = sampleFiles(1 * MIB);
        let error: unknown;

        before(async () => {
            await writeVolume(pair.source.client, "avatar-models", files, scratch);
            await createService(pair.source.client, "avatar-system", { "avatar-models": "/models" });
            // The daemon rejects a memory limit below 6 MB.
            error = await migrateService(options("avatar-system", { limits: { memoryBytes: 1 * MIB } })).catch((e: unknown) => e);
        });

        it("fails at the start step and rolls back", () => {
            assert.ok(error instanceof MigrationError, `expected MigrationError, got ${String(error)}`);
            assert.equal(error.step, "start-target");
            assert.equal(error.outcome, "rolled-back");
            assert.match(error.message, /failed at step start-target \(e\): .*[Mm]inimum memory limit/);
        });

        it("runs the source again with its data", async () => {
            const now = (await inspectContainer(thanos, "avatar-system"))!;
            assert.equal(now.State.Running, true);
            assertSameFiles(await readVolume(pair.source.client, "avatar-models", scratch), files);
        });

        it("leaves no container or volume on the target", async () => {
            assert.equal(await inspectContainer(starlord, "avatar-system"), undefined);
            assert.equal(await inspectVolume(starlord, "avatar-models"), undefined);
        });
    });

    describe("a target daemon that goes away during the restore", () => {
        const models = sampleFiles(3 * MIB);
        const cache = sampleFiles(256 * 1024);
        let error: unknown;

        before(async () => {
            await writeVolume(pair.source.client, "reasoning-models", models, scratch);
            await writeVolume(pair.source.client, "reasoning-cache", cache, scratch);
            await createService(pair.source.client, "extended-reasoning", { "reasoning-models": "/models", "reasoning-cache": "/cache" });
            error = await migrateService(
                options("extended-reasoning", {
                    onProgress: async (step) => {
                        if (step === "restore") {
                            // The first volume is restored; the daemon dies before the second.
                            await killDaemon(pair.target);
                        }
                    },
                }),
            ).catch((e: unknown) => e);
        });

        it("fails at the restore step with the connection error", () => {
            assert.ok(error instanceof MigrationError, `expected MigrationError, got ${String(error)}`);
            assert.equal(error.step, "restore");
            assert.equal(error.outcome, "rolled-back");
            assert.match(error.message, /failed at step restore \(d\): .*(ENOENT|ECONNREFUSED|socket hang up)/);
            assert.match(error.message, /could not clean up starlord/);
        });

        it("runs the source again", async () => {
            const now = (await inspectContainer(thanos, "extended-reasoning"))!;
            assert.equal(now.State.Running, true);
        });

        it("finishes on a rerun once the daemon is back", async () => {
            pair.target = await startDaemon(pair.root, "starlord");
            starlord = await connectNode("starlord", pair.target.host, "starlord");
            const result = await migrateService(options("extended-reasoning"));
            assert.equal(result.status, "moved");
            assertSameFiles(await readVolume(pair.target.client, "reasoning-models", scratch), models);
            assertSameFiles(await readVolume(pair.target.client, "reasoning-cache", scratch), cache);
            assert.equal(await inspectContainer(thanos, "extended-reasoning"), undefined);
            assert.equal((await inspectContainer(starlord, "extended-reasoning"))?.State.Running, true);
        });
    });

    describe("the migrate command killed after the stop", () => {
        const files = sampleFiles(2 * MIB);
        const args = () => [
            MIGRATE,
            "--service", "doc-analyzer-1",
            "--from", "thanos",
            "--to", "starlord",
            "--source-host", pair.source.host,
            "--target-host", pair.target.host,
            "--backup-dir", backupDir,
            "--helper-image", BUSYBOX_IMAGE,
            "--settle", "1",
        ];

        before(async () => {
            await writeVolume(pair.source.client, "doc-analyzer-1-data", files, scratch);
            await createService(pair.source.client, "doc-analyzer-1", { "doc-analyzer-1-data": "/data" });
        });

        it("leaves the source stopped", async () => {
            const child = spawn(process.execPath, args(), { stdio: ["ignore", "ignore", "pipe"] });
            let stderr = "";
            const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
            child.stderr.on("data", (chunk: Buffer) => {
                stderr += chunk.toString();
                if (/\(c\) stop-source: stopped container/.test(stderr)) {
                    child.kill("SIGKILL");
                }
            });
            assert.equal(await exited, "SIGKILL", `the command finished before it could be killed:\n${stderr}`);
            assert.equal((await inspectContainer(thanos, "doc-analyzer-1"))?.State.Running, false);
        });

        it("finishes the move on a rerun, exit code 0", async () => {
            const child = spawn(process.execPath, args(), { stdio: ["ignore", "ignore", "pipe"] });
            let stderr = "";
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
            assert.equal(code, 0, stderr);
            assert.match(stderr, /resuming: the backup of the interrupted run .* verifies/);
            assertSameFiles(await readVolume(pair.target.client, "doc-analyzer-1-data", scratch), files);
            assert.equal(await inspectContainer(thanos, "doc-analyzer-1"), undefined);
        });

        it("moves a list of services in order", async () => {
            const list = path.join(scratch, "moves.yaml");
            const moves = ["autonomous-1", "autonomous-2"].map((service) => `  - { service: ${service}, from: thanos, to: starlord }\n`);
            fs.writeFileSync(list, `moves:\n${moves.join("")}`);
            await createService(pair.source.client, "autonomous-1", {});
            await createService(pair.source.client, "autonomous-2", {});
            const run = spawn(
                process.execPath,
                [
                    MIGRATE, "--moves", list,
                    "--host", `thanos=${pair.source.host}`,
                    "--host", `starlord=${pair.target.host}`,
                    "--backup-dir", backupDir,
                    "--helper-image", BUSYBOX_IMAGE,
                    "--settle", "1",
                ],
                { stdio: ["ignore", "ignore", "pipe"] },
            );
            let stderr = "";
            run.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            const code = await new Promise<number | null>((resolve) => run.on("exit", resolve));
            assert.equal(code, 0, stderr);
            const finished = [...stderr.matchAll(/^(autonomous-\d) thanos -> starlord: moved/gm)].map((m) => m[1]);
            assert.deepEqual(finished, ["autonomous-1", "autonomous-2"]);
            assert.equal((await inspectContainer(starlord, "autonomous-2"))?.State.Running, true);
        });

        it("exits 1 when the target already holds another container of that name", async () => {
            await createService(pair.source.client, "traffic-analyzer", {});
            await pair.target.client.createContainer({ name: "traffic-analyzer", Image: BUSYBOX_IMAGE, Cmd: ["true"] });
            const run = spawn(process.execPath, [...args().slice(0, 2), "traffic-analyzer", ...args().slice(3)], {
                stdio: ["ignore", "ignore", "pipe"],
            });
            let stderr = "";
            run.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            const code = await new Promise<number | null>((resolve) => run.on("exit", resolve));
            assert.equal(code, 1, stderr);
            assert.match(stderr, /already exists on starlord and was not created by this runbook/);
            assert.equal((await inspectContainer(thanos, "traffic-analyzer"))?.State.Running, true);
        });
    });
});
