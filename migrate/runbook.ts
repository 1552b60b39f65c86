/**
 * The migration runbook: moves one service's container and named volumes from a source node's
 * Docker daemon to a target node's, with a verified backup first and a rollback on failure.
 *
 * Steps, in order:
 *
 * - (a) back up the container's inspect JSON and each named volume (tar from a helper container)
 *   with SHA-256 checksums in a manifest;
 * - (b) verify the backup by reading it again;
 * - (c) stop the source container, then compare its volumes with the backup and back them up
 *   again if the service wrote to them after (a);
 * - (d) create the volumes on the target, restore each archive through a helper container and
 *   compare the restored listing with the backup's;
 * - (e) create and start the container on the target with the source's configuration;
 * - (f) health check: the image's HEALTHCHECK, else running without restarts for a settle period;
 * - (g) remove the source container. Its volumes stay on the source node until removed by hand.
 *
 * A failure before (c) changes nothing. A failure after (c) removes what the move created on
 * the target, starts the source container again if it was running, and checks that it runs with
 * the data the backup recorded. A journal in the backup folder lets a rerun resume a move that a
 * crash interrupted.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type Docker from "dockerode";

import {
    Journal,
    Manifest,
    Move,
    backUp,
    liveListing,
    moveDirectory,
    readJournal,
    readManifest,
    verifyBackup,
    writeJournal,
} from "./backup";
import {
    LimitOverrides,
    MIGRATED_FROM_LABEL,
    bindMounts,
    targetCreateOptions,
    userNetworks,
    volumeMounts,
} from "./container-config";
import { DockerNode, HELPER_MOUNT, TextSink, inspectContainer, inspectVolume, isNotFound, runHelper } from "./docker";
import { compareListings } from "./listing";

export type { Move } from "./backup";

/** Steps of the runbook, with the letter the module documentation gives each. */
export const STEPS = {
    preflight: "-",
    backup: "a",
    "verify-backup": "b",
    "stop-source": "c",
    restore: "d",
    "start-target": "e",
    "health-check": "f",
    "remove-source": "g",
    "hand-over": "h",
} as const;
export type Step = keyof typeof STEPS;

/**
 * State of the source node after a failed move: `unchanged` when the failure came before the
 * source was stopped, `rolled-back` when the rollback succeeded, `rollback-failed` when an
 * operator has to act.
 */
export type FailureOutcome = "unchanged" | "rolled-back" | "rollback-failed";

/** A failed move, naming the step, the service, the nodes and the cause. */
export class MigrationError extends Error {
    constructor(
        readonly step: Step,
        readonly move: Move,
        readonly outcome: FailureOutcome,
        readonly reason: string,
        detail: string,
    ) {
        super(
            `moving service "${move.service}" from ${move.from} to ${move.to} failed at step ${step} (${STEPS[step]}): ` +
                `${reason}. ${detail}`,
        );
        this.name = "MigrationError";
    }
}

export interface RunbookOptions {
    move: Move;
    source: DockerNode;
    target: DockerNode;
    /** Root folder of the backups on the machine running the runbook. */
    backupDir: string;
    /** Image with busybox `sh`, `tar`, `find`, `stat` and `sha256sum`, present on or pullable by both nodes. */
    helperImage: string;
    /** Time a container without a HEALTHCHECK must keep running, in ms. Default 10000. */
    settleMs?: number;
    /** Time a HEALTHCHECK has to report `healthy`, in ms. Default 120000. */
    healthTimeoutMs?: number;
    /** Limits for the target container instead of the source's. */
    limits?: LimitOverrides;
    /** Network names on the target for the source's networks. Default: `bev-FROM` becomes `bev-TO`. */
    networkMap?: Record<string, string>;
    /**
     * Remove the started target container after (g), keeping its volumes, so that a deployment
     * (the Pulumi program) creates its own container of the same name on the restored volumes.
     */
    handOver?: boolean;
    /** Receives one line per step and per volume. */
    log?: (line: string) => void;
    /** Called after each progress line; tests inject faults here. */
    onProgress?: (step: Step, message: string) => Promise<void> | void;
}

export interface MoveResult {
    /** `moved` by this run, or `already-moved` by an earlier one. */
    status: "moved" | "already-moved";
    /** The move's backup folder. */
    backup: string;
}

const POLL_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function messageOf(error: unknown): string {
    if (error instanceof Error) {
        const code = (error as { code?: string }).code;
        return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
    }
    return String(error);
}

/**
 * Moves one service as the module documentation describes. Resolves when the service runs on
 * the target and its source container is removed, or was found already moved. Rejects with
 * `MigrationError` on failure, after rolling back what can be rolled back.
 */
export async function migrateService(options: RunbookOptions): Promise<MoveResult> {
    return new Runbook(options).run();
}

class Runbook {
    private readonly move: Move;
    private readonly directory: string;
    private readonly name: string;
    private readonly settleMs: number;
    private readonly healthTimeoutMs: number;
    private readonly networkMap: Record<string, string>;
    private journal: Journal | undefined;

    constructor(private readonly options: RunbookOptions) {
        this.move = options.move;
        this.name = options.move.service;
        this.directory = moveDirectory(options.backupDir, options.move);
        this.settleMs = options.settleMs ?? 10_000;
        this.healthTimeoutMs = options.healthTimeoutMs ?? 120_000;
        this.networkMap = { [`bev-${this.move.from}`]: `bev-${this.move.to}`, ...options.networkMap };
    }

    private async progress(step: Step, message: string): Promise<void> {
        const { service, from, to } = this.move;
        this.options.log?.(`${service} ${from} -> ${to}: (${STEPS[step]}) ${step}: ${message}`);
        await this.options.onProgress?.(step, message);
    }

    private fail(step: Step, outcome: FailureOutcome, reason: string, detail: string): MigrationError {
        return new MigrationError(step, this.move, outcome, reason, detail);
    }

    private saveJournal(changes: Partial<Journal>): void {
        this.journal = { ...(this.journal as Journal), ...changes };
        writeJournal(this.directory, this.journal);
    }

    async run(): Promise<MoveResult> {
        const { source, target } = this.options;
        let sourceInfo: Docker.ContainerInspectInfo | undefined;
        let targetInfo: Docker.ContainerInspectInfo | undefined;
        try {
            sourceInfo = await inspectContainer(source, this.name);
            targetInfo = await inspectContainer(target, this.name);
        } catch (error) {
            throw this.fail("preflight", "unchanged", messageOf(error), "Nothing was changed; check that both daemons are reachable.");
        }
        this.journal = readJournal(this.directory);
        if (this.journal?.completedAt !== undefined && sourceInfo !== undefined) {
            // A finished earlier move of the same service on the same path: keep its backup aside.
            const archived = `${this.directory}.${this.journal.completedAt.replace(/[:.]/g, "-")}`;
            fs.renameSync(this.directory, archived);
            this.journal = undefined;
        }

        if (sourceInfo === undefined) {
            return this.finishWithoutSource(targetInfo);
        }
        if (targetInfo !== undefined) {
            const resumed = await this.resumeWithTarget(sourceInfo, targetInfo);
            if (resumed !== undefined) {
                return resumed;
            }
        }
        await this.preflight(sourceInfo);
        const wasRunning = this.journal?.sourceId === sourceInfo.Id ? this.journal.wasRunning : sourceInfo.State.Running;
        const stoppedByRunbook = this.journal?.sourceId === sourceInfo.Id && this.journal.sourceStopped && !sourceInfo.State.Running;
        if (this.journal?.sourceId !== sourceInfo.Id) {
            this.journal = { ...this.move, sourceId: sourceInfo.Id, wasRunning, sourceStopped: false };
        }

        let manifest: Manifest;
        try {
            manifest = await this.backUpAndVerify(sourceInfo, stoppedByRunbook);
        } catch (error) {
            if (error instanceof MigrationError && stoppedByRunbook) {
                throw await this.rollBack(error.step, error.reason);
            }
            throw error;
        }

        let step: Step = "stop-source";
        try {
            if (sourceInfo.State.Running) {
                await this.stopSource(sourceInfo);
            }
            manifest = await this.ensureConsistentBackup(sourceInfo, manifest);
            step = "restore";
            await this.restoreVolumes(manifest);
            step = "start-target";
            await this.startTarget(sourceInfo);
            step = "health-check";
            await this.checkHealth();
        } catch (error) {
            throw await this.rollBack(step, messageOf(error));
        }
        return this.finish();
    }

    /** Handles a missing source container: the move finished earlier, or someone removed the container. */
    private async finishWithoutSource(targetInfo: Docker.ContainerInspectInfo | undefined): Promise<MoveResult> {
        const { from, to } = this.move;
        if (targetInfo === undefined && this.journal?.completedAt !== undefined) {
            await this.progress("preflight", `moved by an earlier run at ${this.journal.completedAt}; the volumes are on ${to}`);
            return { status: "already-moved", backup: this.directory };
        }
        if (targetInfo === undefined) {
            throw this.fail(
                "preflight",
                "unchanged",
                `no container named "${this.name}" on ${from} or on ${to}`,
                `Nothing was changed; check the service name, or restore it from the backup in ${this.directory}.`,
            );
        }
        if (this.journal?.targetId === targetInfo.Id && this.journal.completedAt === undefined) {
            await this.progress("health-check", "resuming: the source container is removed and the target container exists");
            await this.checkHealth();
            return this.finish();
        }
        if (!targetInfo.State.Running) {
            throw this.fail(
                "preflight",
                "unchanged",
                `container "${this.name}" exists on ${to} but is ${targetInfo.State.Status}, and there is none on ${from}`,
                `Nothing was changed; start it on ${to}, or restore the service from the backup in ${this.directory}.`,
            );
        }
        await this.progress("preflight", `container ${this.name} runs on ${to} and not on ${from}: already moved`);
        return { status: "already-moved", backup: this.directory };
    }

    /**
     * Handles a container of this name on both nodes. When the journal shows that this move
     * created the target container, the move resumes at the health check. A target container
     * that an interrupted run left is removed, and any other one is rejected.
     */
    private async resumeWithTarget(
        sourceInfo: Docker.ContainerInspectInfo,
        targetInfo: Docker.ContainerInspectInfo,
    ): Promise<MoveResult | undefined> {
        const { from, to } = this.move;
        if (this.journal?.targetId === targetInfo.Id && this.journal.sourceId === sourceInfo.Id && !sourceInfo.State.Running) {
            await this.progress("health-check", "resuming: the target container was created by an interrupted run");
            try {
                if (!targetInfo.State.Running) {
                    await this.options.target.client.getContainer(targetInfo.Id).start();
                }
                await this.checkHealth();
            } catch (error) {
                throw await this.rollBack("health-check", messageOf(error));
            }
            return this.finish();
        }
        if (targetInfo.Config.Labels?.[MIGRATED_FROM_LABEL] === from) {
            await this.progress("preflight", `removing container ${this.name} on ${to} left by an interrupted run`);
            await this.options.target.client.getContainer(targetInfo.Id).remove({ force: true });
            return undefined;
        }
        throw this.fail(
            "preflight",
            "unchanged",
            `a container named "${this.name}" already exists on ${to} and was not created by this runbook`,
            `Nothing was changed; remove it from ${to} (docker rm -f ${this.name}) if it is a stale copy, then run the move again.`,
        );
    }

    /** Checks everything that can be checked before anything changes. */
    private async preflight(sourceInfo: Docker.ContainerInspectInfo): Promise<void> {
        const { source, target, helperImage } = this.options;
        const { to } = this.move;
        const nothing = "Nothing was changed.";
        const binds = bindMounts(sourceInfo);
        if (binds.length > 0) {
            throw this.fail(
                "preflight",
                "unchanged",
                `container "${this.name}" has bind mounts (${binds.join(", ")}), whose host paths cannot move to another node`,
                `${nothing} Replace them with named volumes, then run the move again.`,
            );
        }
        try {
            await this.ensureImage(source, helperImage);
            await this.ensureImage(target, helperImage);
            await this.ensureImage(target, sourceInfo.Config.Image);
            for (const network of userNetworks(sourceInfo).map((name) => this.networkMap[name] ?? name)) {
                try {
                    await target.client.getNetwork(network).inspect();
                } catch (error) {
                    if (isNotFound(error)) {
                        throw new Error(
                            `network ${network} not found on ${to}: create it (the Pulumi stack of ${to} does) or map the ` +
                                "source's network to an existing one",
                        );
                    }
                    throw error;
                }
            }
            for (const volume of volumeMounts(sourceInfo)) {
                const existing = await inspectVolume(target, volume.name);
                if (existing !== undefined && existing.Labels?.[MIGRATED_FROM_LABEL] !== this.move.from) {
                    throw new Error(
                        `volume ${volume.name} already exists on ${to} and was not created by this runbook; ` +
                            `remove it there (docker volume rm ${volume.name}) if it is a stale copy`,
                    );
                }
            }
        } catch (error) {
            throw this.fail("preflight", "unchanged", messageOf(error), nothing);
        }
        await this.progress("preflight", `source container ${sourceInfo.Id.slice(0, 12)} is ${sourceInfo.State.Status}`);
    }

    private async ensureImage(docker: DockerNode, image: string): Promise<void> {
        try {
            await docker.client.getImage(image).inspect();
            return;
        } catch (error) {
            if (!isNotFound(error)) {
                throw error;
            }
        }
        try {
            const stream = await docker.client.pull(image);
            await new Promise<void>((resolve, reject) =>
                docker.client.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
            );
        } catch (error) {
            throw new Error(
                `image ${image} not found on ${docker.node} and pulling it failed (${messageOf(error)}); ` +
                    `load it there with docker save ${image} | docker load`,
            );
        }
    }

    /** Steps (a) and (b). A backup from an interrupted run is reused when the source stayed stopped. */
    private async backUpAndVerify(sourceInfo: Docker.ContainerInspectInfo, stoppedByRunbook: boolean): Promise<Manifest> {
        if (stoppedByRunbook) {
            try {
                const manifest = await verifyBackup(this.directory, this.move);
                await this.progress("verify-backup", `resuming: the backup of the interrupted run in ${this.directory} verifies`);
                return manifest;
            } catch (error) {
                await this.progress("backup", `the backup of the interrupted run is unusable (${messageOf(error)}); backing up again`);
            }
        }
        const nothing = stoppedByRunbook ? "" : `Nothing was changed: ${this.name} still runs on ${this.move.from}.`;
        try {
            await this.progress("backup", `backing up to ${this.directory}`);
            const whileStopped = !sourceInfo.State.Running;
            const log = (message: string) => this.options.log?.(`${this.name} ${this.move.from} -> ${this.move.to}: (a) backup: ${message}`);
            await backUp(this.options.source, sourceInfo, this.move, this.directory, this.options.helperImage, whileStopped, log);
        } catch (error) {
            throw this.fail("backup", "unchanged", messageOf(error), nothing);
        }
        try {
            const manifest = await verifyBackup(this.directory, this.move);
            await this.progress("verify-backup", `checksums and tar listings of ${manifest.volumes.length} volume(s) match`);
            this.saveJournal({});
            return manifest;
        } catch (error) {
            throw this.fail("verify-backup", "unchanged", messageOf(error), nothing);
        }
    }

    /** Step (c): stops the source container with its own stop timeout. */
    private async stopSource(sourceInfo: Docker.ContainerInspectInfo): Promise<void> {
        const timeout = (sourceInfo.Config as { StopTimeout?: number }).StopTimeout ?? 10;
        this.saveJournal({ sourceStopped: true });
        try {
            await this.options.source.client.getContainer(sourceInfo.Id).stop({ t: timeout });
        } catch (error) {
            if ((error as { statusCode?: number }).statusCode !== 304) {
                throw error;
            }
        }
        await this.progress("stop-source", `stopped container ${this.name} on ${this.move.from}`);
    }

    /** Backs up again, stopped, when the volumes changed between the backup and the stop. */
    private async ensureConsistentBackup(sourceInfo: Docker.ContainerInspectInfo, manifest: Manifest): Promise<Manifest> {
        for (const volume of manifest.volumes) {
            const live = await liveListing(this.options.source, volume.name, this.options.helperImage);
            const differences = compareListings(volume.listing, live);
            if (differences.length > 0) {
                await this.progress("stop-source", `volume ${volume.name} changed after the backup (${differences[0]}); backing up again`);
                const stopped = { ...sourceInfo, State: { ...sourceInfo.State, Running: false } };
                const log = (message: string) =>
                    this.options.log?.(`${this.name} ${this.move.from} -> ${this.move.to}: (c) stop-source: ${message}`);
                await backUp(this.options.source, stopped, this.move, this.directory, this.options.helperImage, true, log);
                return verifyBackup(this.directory, this.move);
            }
        }
        await this.progress("stop-source", "the stopped volumes match the backup");
        return manifest;
    }

    /** Step (d): creates or empties each volume on the target and restores its archive. */
    private async restoreVolumes(manifest: Manifest): Promise<void> {
        const { target, helperImage } = this.options;
        for (const volume of manifest.volumes) {
            const existing = await inspectVolume(target, volume.name);
            if (existing === undefined) {
                await target.client.createVolume({
                    Name: volume.name,
                    Labels: { [MIGRATED_FROM_LABEL]: this.move.from },
                });
            } else {
                const cleared = await runHelper(target, {
                    image: helperImage,
                    cmd: ["find", HELPER_MOUNT, "-mindepth", "1", "-maxdepth", "1", "-exec", "rm", "-rf", "{}", "+"],
                    volume: volume.name,
                    readOnly: false,
                    stdout: new TextSink(),
                });
                if (cleared.exitCode !== 0) {
                    throw new Error(`emptying volume ${volume.name} on ${this.move.to} exited with code ${cleared.exitCode}: ${cleared.stderr}`);
                }
            }
            const restored = await runHelper(target, {
                image: helperImage,
                cmd: ["tar", "-C", HELPER_MOUNT, "-xf", "-"],
                volume: volume.name,
                readOnly: false,
                stdin: fs.createReadStream(path.join(this.directory, volume.file)),
                stdout: new TextSink(),
            });
            if (restored.exitCode !== 0) {
                throw new Error(`tar into volume ${volume.name} on ${this.move.to} exited with code ${restored.exitCode}: ${restored.stderr}`);
            }
            const differences = compareListings(volume.listing, await liveListing(target, volume.name, helperImage));
            if (differences.length > 0) {
                throw new Error(`restored volume ${volume.name} on ${this.move.to} differs from the backup: ${differences.join("; ")}`);
            }
            await this.progress("restore", `volume ${volume.name} restored; ${volume.listing.length} entries match the backup`);
        }
    }

    /** Step (e): creates the target container with the source's configuration and starts it. */
    private async startTarget(sourceInfo: Docker.ContainerInspectInfo): Promise<void> {
        const { target } = this.options;
        const { options, connectAfterCreate } = targetCreateOptions(sourceInfo, this.move, this.networkMap, this.options.limits);
        const container = await target.client.createContainer(options);
        this.saveJournal({ targetId: container.id });
        for (const network of connectAfterCreate) {
            await target.client.getNetwork(network).connect({ Container: container.id });
        }
        await container.start();
        await this.progress("start-target", `started container ${this.name} (${container.id.slice(0, 12)}) on ${this.move.to}`);
    }

    /** Step (f): waits for `healthy`, or for a settle period without exit or restart. */
    private async checkHealth(): Promise<void> {
        const container = this.options.target.client.getContainer(this.name);
        const first = await container.inspect();
        const test = first.Config.Healthcheck?.Test;
        const hasHealthcheck = test !== undefined && test.length > 0 && test[0] !== "NONE";
        const deadline = Date.now() + (hasHealthcheck ? this.healthTimeoutMs : this.settleMs);
        for (;;) {
            const info = await container.inspect();
            if (!info.State.Running || info.State.Restarting || info.RestartCount !== first.RestartCount) {
                throw new Error(
                    `container ${this.name} on ${this.move.to} is ${info.State.Status} (exit code ${info.State.ExitCode}, ` +
                        `${info.RestartCount} restart(s))${info.State.Error ? `: ${info.State.Error}` : ""}`,
                );
            }
            const health = info.State.Health;
            if (hasHealthcheck && health?.Status === "healthy") {
                await this.progress("health-check", `container ${this.name} is healthy`);
                return;
            }
            if (hasHealthcheck && health?.Status === "unhealthy") {
                const last = health.Log.at(-1)?.Output.trim() ?? "";
                throw new Error(`container ${this.name} on ${this.move.to} is unhealthy: ${last}`);
            }
            if (Date.now() >= deadline) {
                if (hasHealthcheck) {
                    throw new Error(`container ${this.name} on ${this.move.to} did not become healthy within ${this.healthTimeoutMs} ms`);
                }
                await this.progress("health-check", `container ${this.name} kept running for ${this.settleMs} ms`);
                return;
            }
            await sleep(POLL_MS);
        }
    }

    /** Steps (g) and (h). A failure here leaves the service running on the target. */
    private async finish(): Promise<MoveResult> {
        const { source, target } = this.options;
        try {
            const sourceInfo = await inspectContainer(source, this.name);
            if (sourceInfo !== undefined) {
                await source.client.getContainer(sourceInfo.Id).remove({ force: true });
            }
        } catch (error) {
            throw this.fail(
                "remove-source",
                "rollback-failed",
                messageOf(error),
                `The service runs on ${this.move.to}; remove the stopped container on ${this.move.from} by hand (docker rm ${this.name}).`,
            );
        }
        await this.progress("remove-source", `removed container ${this.name} on ${this.move.from}; its volumes stay there`);
        if (this.options.handOver === true) {
            await target.client.getContainer(this.name).remove({ force: true });
            await this.progress("hand-over", `removed container ${this.name} on ${this.move.to}, keeping its volumes, for the deployment`);
        }
        this.saveJournal({ completedAt: new Date().toISOString() });
        return { status: "moved", backup: this.directory };
    }

    /**
     * Undoes a move that failed after the source was stopped: removes the target container and
     * the volumes the move created there, then starts the source container if it was running,
     * after checking its volumes still match the backup. Returns the error to throw.
     */
    private async rollBack(step: Step, reason: string): Promise<MigrationError> {
        const { source, target, helperImage } = this.options;
        const { from, to } = this.move;
        this.options.log?.(`${this.name} ${from} -> ${to}: rollback after ${step} failed: ${reason}`);
        const notes: string[] = [];
        try {
            const targetInfo = await inspectContainer(target, this.name);
            if (targetInfo !== undefined && targetInfo.Config.Labels?.[MIGRATED_FROM_LABEL] === from) {
                await target.client.getContainer(targetInfo.Id).remove({ force: true });
            }
            const manifest = readManifest(this.directory);
            for (const volume of manifest?.volumes ?? []) {
                const info = await inspectVolume(target, volume.name);
                if (info?.Labels?.[MIGRATED_FROM_LABEL] === from) {
                    await target.client.getVolume(volume.name).remove();
                }
            }
            notes.push(`removed the partial container and volumes on ${to}`);
        } catch (error) {
            notes.push(
                `could not clean up ${to} (${messageOf(error)}); a rerun removes what this move left there`,
            );
        }

        const wasRunning = this.journal?.wasRunning ?? true;
        try {
            const sourceInfo = await inspectContainer(source, this.name);
            if (sourceInfo === undefined) {
                throw new Error(`container ${this.name} not found on ${from}`);
            }
            if (wasRunning && !sourceInfo.State.Running) {
                const manifest = readManifest(this.directory);
                for (const volume of manifest?.volumes ?? []) {
                    const differences = compareListings(volume.listing, await liveListing(source, volume.name, helperImage));
                    if (differences.length > 0) {
                        throw new Error(`volume ${volume.name} on ${from} differs from the backup: ${differences.join("; ")}`);
                    }
                }
                await source.client.getContainer(sourceInfo.Id).start();
                await sleep(Math.min(this.settleMs, 2_000));
                const after = await source.client.getContainer(sourceInfo.Id).inspect();
                if (!after.State.Running || after.State.Restarting) {
                    throw new Error(`container ${this.name} on ${from} is ${after.State.Status} after the restart`);
                }
            }
            this.saveJournal({ sourceStopped: false, targetId: undefined });
        } catch (error) {
            return this.fail(
                step,
                "rollback-failed",
                reason,
                `Rollback failed: ${messageOf(error)}; ${notes.join("; ")}. The backup is in ${this.directory}: start ` +
                    `${this.name} on ${from} by hand (docker start ${this.name}) or rerun the move once the cause is fixed.`,
            );
        }
        const state = wasRunning
            ? `container ${this.name} runs again on ${from} with its volumes matching the backup`
            : `container ${this.name} on ${from} is left stopped, as it was`;
        return this.fail(step, "rolled-back", reason, `Rolled back: ${state}; ${notes.join("; ")}. The backup stays in ${this.directory}.`);
    }
}
