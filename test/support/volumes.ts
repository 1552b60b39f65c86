/**
 * Test data in Docker volumes, written and read through the Engine API's archive endpoints and
 * the host's `tar`, independently of the runbook's own helper containers.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";

import type Docker from "dockerode";

import { BUSYBOX_IMAGE } from "./docker-daemons";

/** File contents by path relative to the volume root. */
export type VolumeFiles = Record<string, Buffer>;

/** Returns a few text files, an empty one and a binary file of `binaryBytes` random bytes in a subfolder. */
export function sampleFiles(binaryBytes: number): VolumeFiles {
    return {
        "config.yaml": Buffer.from("retention: 7d\nshards: 3\n"),
        "empty.txt": Buffer.alloc(0),
        "models/weights.bin": randomBytes(binaryBytes),
        "models/index.json": Buffer.from(JSON.stringify({ files: ["weights.bin"], version: 3 })),
    };
}

function run(command: string, args: string[]): void {
    const result = spawnSync(command, args, { encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
    }
}

async function withVolumeContainer<T>(client: Docker, volume: string, action: (container: Docker.Container) => Promise<T>): Promise<T> {
    const container = await client.createContainer({
        Image: BUSYBOX_IMAGE,
        Cmd: ["true"],
        HostConfig: { Mounts: [{ Type: "volume", Source: volume, Target: "/data" }] },
    });
    try {
        return await action(container);
    } finally {
        await container.remove({ force: true });
    }
}

/**
 * Creates the volume if needed and writes `files` and the symbolic links `symlinks` (path to
 * target) into it. `scratch` is a temporary folder.
 */
export async function writeVolume(
    client: Docker,
    volume: string,
    files: VolumeFiles,
    scratch: string,
    symlinks: Record<string, string> = {},
): Promise<void> {
    const folder = fs.mkdtempSync(path.join(scratch, "write-"));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
        fs.writeFileSync(path.join(folder, name), content);
    }
    for (const [name, target] of Object.entries(symlinks)) {
        fs.symlinkSync(target, path.join(folder, name));
    }
    const archive = `${folder}.tar`;
    run("tar", ["-C", folder, "-cf", archive, "."]);
    await withVolumeContainer(client, volume, (container) => container.putArchive(archive, { path: "/data" }));
}

/** Reads every regular file of a volume. `scratch` is a temporary folder. */
export async function readVolume(client: Docker, volume: string, scratch: string): Promise<VolumeFiles> {
    const folder = fs.mkdtempSync(path.join(scratch, "read-"));
    const archive = `${folder}.tar`;
    await withVolumeContainer(client, volume, async (container) => {
        const stream = await container.getArchive({ path: "/data/." });
        await pipeline(stream, fs.createWriteStream(archive));
    });
    run("tar", ["-C", folder, "-xf", archive]);
    const files: VolumeFiles = {};
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(folder, relative), { withFileTypes: true })) {
            const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
            if (entry.isDirectory()) {
                walk(name);
            } else if (entry.isFile()) {
                files[name] = fs.readFileSync(path.join(folder, name));
            }
        }
    };
    walk("");
    return files;
}
