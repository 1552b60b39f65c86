/**
 * Backups of one move, kept on the machine that runs the runbook:
 *
 * ```
 * BACKUP_DIR/SERVICE/FROM-to-TO/
 *   container.json        the source container's inspect JSON (the original configuration)
 *   volumes/VOLUME.tar    each named volume as a tar archive
 *   manifest.json         SHA-256 of each file, and each volume's listing
 *   SHA256SUMS            the same checksums for `sha256sum -c`
 *   journal.json          how far the move got, read by a rerun
 * ```
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import type Docker from "dockerode";

import { VolumeMountInfo, containerName, volumeMounts } from "./container-config";
import { DockerNode, HELPER_MOUNT, TextSink, runHelper } from "./docker";
import { compareListings, listTarFile, listingLines, listingScript, parseHelperListing } from "./listing";

/** One move of one service between two nodes. */
export interface Move {
    service: string;
    from: string;
    to: string;
}

export interface VolumeBackup {
    name: string;
    /** Mount path inside the service's container. */
    destination: string;
    /** Archive path relative to the move's backup folder. */
    file: string;
    sha256: string;
    bytes: number;
    /** The archive's listing (see `listing.ts`), sorted by path. */
    listing: string[];
}

export interface Manifest {
    service: string;
    from: string;
    to: string;
    /** ISO time the backup was finished. */
    createdAt: string;
    sourceContainerId: string;
    /** True when the source container was stopped during the backup, so the archives are consistent. */
    takenWhileStopped: boolean;
    config: { file: string; sha256: string };
    volumes: VolumeBackup[];
}

/** Progress of a move, written after each step that changes a node. */
export interface Journal {
    service: string;
    from: string;
    to: string;
    /** Id of the source container the move started with. */
    sourceId: string;
    /** Whether the source container was running when the move started; a rollback restores this. */
    wasRunning: boolean;
    /** True from the runbook's stop of the source until a rollback starts it again. */
    sourceStopped: boolean;
    /** Id of the container created on the target, once created. */
    targetId?: string;
    /** ISO time the move finished. */
    completedAt?: string;
}

/** Returns the backup folder of one move. */
export function moveDirectory(backupDir: string, move: Move): string {
    return path.join(backupDir, move.service, `${move.from}-to-${move.to}`);
}

function writeFileAtomic(file: string, text: string): void {
    const temporary = `${file}.tmp`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
}

function readJson<T>(file: string): T | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as T;
    } catch (error) {
        // No file, or a path whose parent is not a folder: there is no earlier run to resume.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") {
            return undefined;
        }
        throw error;
    }
}

export function readJournal(directory: string): Journal | undefined {
    return readJson<Journal>(path.join(directory, "journal.json"));
}

export function writeJournal(directory: string, journal: Journal): void {
    fs.mkdirSync(directory, { recursive: true });
    writeFileAtomic(path.join(directory, "journal.json"), `${JSON.stringify(journal, null, 2)}\n`);
}

export function readManifest(directory: string): Manifest | undefined {
    return readJson<Manifest>(path.join(directory, "manifest.json"));
}

function sha256File(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Lists a volume through a helper container on `docker`; the volume must not be written meanwhile. */
export async function liveListing(docker: DockerNode, volume: string, helperImage: string): Promise<string[]> {
    const output = new TextSink();
    const run = await runHelper(docker, {
        image: helperImage,
        cmd: ["sh", "-c", listingScript(HELPER_MOUNT)],
        volume,
        readOnly: true,
        stdout: output,
    });
    if (run.exitCode !== 0) {
        throw new Error(`listing volume ${volume} on node ${docker.node} exited with code ${run.exitCode}: ${run.stderr}`);
    }
    return listingLines(parseHelperListing(output.text));
}

/** Streams one volume as a tar archive from a helper container on `docker` into `file`. */
async function archiveVolume(
    docker: DockerNode,
    volume: VolumeMountInfo,
    helperImage: string,
    file: string,
): Promise<void> {
    const run = await runHelper(docker, {
        image: helperImage,
        cmd: ["tar", "-C", HELPER_MOUNT, "-cf", "-", "."],
        volume: volume.name,
        readOnly: true,
        stdout: fs.createWriteStream(file),
    });
    if (run.exitCode !== 0) {
        throw new Error(`tar of volume ${volume.name} on node ${docker.node} exited with code ${run.exitCode}: ${run.stderr}`);
    }
}

/**
 * Backs up the source container's configuration and named volumes into `directory` and writes
 * the manifest. With `whileStopped`, the container must be stopped, and each archive's listing
 * must equal the volume's live listing. Throws on any failure; existing files are replaced.
 */
export async function backUp(
    source: DockerNode,
    info: Docker.ContainerInspectInfo,
    move: Move,
    directory: string,
    helperImage: string,
    whileStopped: boolean,
    log: (message: string) => void,
): Promise<Manifest> {
    fs.mkdirSync(path.join(directory, "volumes"), { recursive: true });
    const configFile = path.join(directory, "container.json");
    writeFileAtomic(configFile, `${JSON.stringify(info, null, 2)}\n`);
    const volumes: VolumeBackup[] = [];
    for (const volume of volumeMounts(info)) {
        const relative = path.join("volumes", `${volume.name}.tar`);
        const file = path.join(directory, relative);
        await archiveVolume(source, volume, helperImage, file);
        const archive = await listTarFile(file);
        const listing = listingLines(archive.entries);
        if (whileStopped) {
            const differences = compareListings(listing, await liveListing(source, volume.name, helperImage));
            if (differences.length > 0) {
                throw new Error(`archive of volume ${volume.name} differs from the stopped volume: ${differences.join("; ")}`);
            }
        }
        volumes.push({
            name: volume.name,
            destination: volume.destination,
            file: relative,
            sha256: archive.sha256,
            bytes: archive.bytes,
            listing,
        });
        log(`volume ${volume.name}: ${archive.bytes} bytes, ${listing.length} entries, sha256 ${archive.sha256}`);
    }
    const manifest: Manifest = {
        ...move,
        createdAt: new Date().toISOString(),
        sourceContainerId: info.Id,
        takenWhileStopped: whileStopped,
        config: { file: "container.json", sha256: sha256File(configFile) },
        volumes,
    };
    writeFileAtomic(path.join(directory, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const sums = [manifest.config, ...volumes].map((entry) => `${entry.sha256}  ${entry.file}\n`).join("");
    writeFileAtomic(path.join(directory, "SHA256SUMS"), sums);
    log(`configuration of container ${containerName(info)} saved to ${configFile}`);
    return manifest;
}

/**
 * Verifies a backup by reading it again: each file's SHA-256 must match the manifest, and each
 * archive must be a complete tar whose listing matches the manifest. Returns the manifest;
 * throws naming the file and the difference.
 */
export async function verifyBackup(directory: string, move: Move): Promise<Manifest> {
    const manifest = readManifest(directory);
    if (manifest === undefined) {
        throw new Error(`no manifest.json in ${directory}`);
    }
    if (manifest.service !== move.service || manifest.from !== move.from || manifest.to !== move.to) {
        throw new Error(`${path.join(directory, "manifest.json")} is for ${manifest.service} ${manifest.from}->${manifest.to}`);
    }
    const configFile = path.join(directory, manifest.config.file);
    const configSha = sha256File(configFile);
    if (configSha !== manifest.config.sha256) {
        throw new Error(`${configFile}: sha256 ${configSha} does not match the manifest's ${manifest.config.sha256}`);
    }
    for (const volume of manifest.volumes) {
        const file = path.join(directory, volume.file);
        const archive = await listTarFile(file);
        if (archive.sha256 !== volume.sha256) {
            throw new Error(`${file}: sha256 ${archive.sha256} does not match the manifest's ${volume.sha256}`);
        }
        const differences = compareListings(volume.listing, listingLines(archive.entries));
        if (differences.length > 0) {
            throw new Error(`${file}: tar listing differs from the manifest: ${differences.join("; ")}`);
        }
    }
    return manifest;
}
