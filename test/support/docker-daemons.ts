/**
 * Real Docker daemons for tests: each with its own socket, data root, exec root and pidfile
 * under one temporary folder, vfs storage and no networking setup, standing for one node. A
 * busybox image is imported into each without a registry. Daemons are stopped by their PID.
 *
 * Needs root, `dockerd` (Debian `docker.io`) and a static `/bin/busybox` (Debian
 * `busybox-static`); `requireDockerPrerequisites` names what is missing.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import Docker from "dockerode";

/** Tag of the busybox image imported into each daemon. */
export const BUSYBOX_IMAGE = "local/busybox:test";

const BUSYBOX = "/bin/busybox";

/** One running test daemon. */
export interface TestDaemon {
    name: string;
    directory: string;
    /** Address for the runbook, `unix://.../docker.sock`. */
    host: string;
    client: Docker;
    pid: number;
    process: ChildProcess;
}

/** Throws an error naming each missing prerequisite and how to install it. */
export function requireDockerPrerequisites(): void {
    const missing: string[] = [];
    if (process.getuid?.() !== 0) {
        missing.push("root: dockerd needs root; run the tests as root");
    }
    if (spawnSync("dockerd", ["--version"]).error !== undefined) {
        missing.push("dockerd not found on PATH: apt-get install -y --no-install-recommends docker.io");
    }
    if (!fs.existsSync(BUSYBOX)) {
        missing.push(`${BUSYBOX} not found: apt-get install -y --no-install-recommends busybox-static`);
    } else if (!isStaticExecutable(BUSYBOX)) {
        missing.push(`${BUSYBOX} is dynamically linked and cannot run alone in an image: apt-get install -y busybox-static`);
    }
    if (missing.length > 0) {
        throw new Error(`the migration tests need two real Docker daemons, but: ${missing.join("; ")}`);
    }
}

/** True when the ELF file has no program interpreter (`PT_INTERP`), so it runs without a libc. */
function isStaticExecutable(file: string): boolean {
    const elf = fs.readFileSync(file);
    if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) {
        return false;
    }
    const headerOffset = Number(elf.readBigUInt64LE(0x20));
    const headerSize = elf.readUInt16LE(0x36);
    const headerCount = elf.readUInt16LE(0x38);
    for (let i = 0; i < headerCount; i++) {
        if (elf.readUInt32LE(headerOffset + i * headerSize) === 3) {
            return false;
        }
    }
    return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function logTail(directory: string): string {
    try {
        return fs.readFileSync(path.join(directory, "dockerd.log"), "utf8").split("\n").slice(-10).join("\n");
    } catch {
        return "(no log)";
    }
}

/** Starts dockerd with its state in `root/name`, reusing that state when it exists, and waits until it responds. */
export async function startDaemon(root: string, name: string): Promise<TestDaemon> {
    const directory = path.join(root, name);
    fs.mkdirSync(directory, { recursive: true });
    const socket = path.join(directory, "docker.sock");
    const log = fs.openSync(path.join(directory, "dockerd.log"), "a");
    const child = spawn(
        "dockerd",
        [
            "--host", `unix://${socket}`,
            "--data-root", path.join(directory, "data"),
            "--exec-root", path.join(directory, "exec"),
            "--pidfile", path.join(directory, "dockerd.pid"),
            "--storage-driver=vfs", "--iptables=false", "--ip6tables=false", "--bridge=none",
        ],
        { stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    const client = new Docker({ socketPath: socket });
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (child.exitCode !== null) {
            throw new Error(`dockerd ${name} exited with code ${child.exitCode} at start:\n${logTail(directory)}`);
        }
        try {
            await client.ping();
            break;
        } catch {
            if (Date.now() > deadline) {
                child.kill("SIGKILL");
                throw new Error(`dockerd ${name} did not respond on ${socket} within 60 s:\n${logTail(directory)}`);
            }
            await sleep(200);
        }
    }
    return { name, directory, host: `unix://${socket}`, client, pid: child.pid as number, process: child };
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (alive(pid) && Date.now() < deadline) {
        await sleep(100);
    }
    return !alive(pid);
}

/** PIDs of the containerd that this daemon started, from its pidfile, if still running. */
function containerdPid(daemon: TestDaemon): number | undefined {
    try {
        const pid = Number(fs.readFileSync(path.join(daemon.directory, "exec", "containerd", "containerd.pid"), "utf8").trim());
        return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Kills the daemon and the containerd it started without a shutdown, as a lost node would. A
 * containerd left running can make the next dockerd on the same exec root time out connecting to it.
 */
export async function killDaemon(daemon: TestDaemon): Promise<void> {
    const containerd = containerdPid(daemon);
    process.kill(daemon.pid, "SIGKILL");
    await waitForExit(daemon.pid, 10_000);
    if (containerd !== undefined && alive(containerd)) {
        process.kill(containerd, "SIGKILL");
        await waitForExit(containerd, 10_000);
    }
}

/**
 * Stops the daemon by its PID (SIGTERM, then SIGKILL after 30 s), and the containerd it started
 * when that outlives it.
 */
export async function stopDaemon(daemon: TestDaemon): Promise<void> {
    const containerd = containerdPid(daemon);
    if (alive(daemon.pid)) {
        process.kill(daemon.pid, "SIGTERM");
        if (!(await waitForExit(daemon.pid, 30_000))) {
            process.kill(daemon.pid, "SIGKILL");
            await waitForExit(daemon.pid, 5_000);
        }
    }
    if (containerd !== undefined && alive(containerd)) {
        process.kill(containerd, "SIGTERM");
        await waitForExit(containerd, 10_000);
    }
}

/** Removes every container of a test daemon; all of them were created by the tests. */
export async function removeAllContainers(daemon: TestDaemon): Promise<void> {
    for (const container of await daemon.client.listContainers({ all: true })) {
        await daemon.client.getContainer(container.Id).remove({ force: true, v: true });
    }
}

/**
 * Builds a root file system with `/bin/busybox` and its applet links as a tar file under `root`
 * and returns its path.
 */
export function buildBusyboxRootfs(root: string): string {
    const rootfs = path.join(root, "rootfs");
    fs.mkdirSync(path.join(rootfs, "bin"), { recursive: true });
    fs.mkdirSync(path.join(rootfs, "tmp"), { recursive: true });
    fs.copyFileSync(BUSYBOX, path.join(rootfs, "bin", "busybox"));
    fs.chmodSync(path.join(rootfs, "bin", "busybox"), 0o755);
    const applets = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((a) => a !== "" && a !== "busybox");
    for (const applet of applets) {
        fs.symlinkSync("busybox", path.join(rootfs, "bin", applet));
    }
    const archive = path.join(root, "rootfs.tar");
    const tar = spawnSync("tar", ["-C", rootfs, "-cf", archive, "."], { encoding: "utf8" });
    if (tar.status !== 0) {
        throw new Error(`tar of the busybox root file system failed: ${tar.stderr}`);
    }
    return archive;
}

/** Imports the root file system archive as `BUSYBOX_IMAGE` through the Engine API. */
export async function importImage(daemon: TestDaemon, archive: string): Promise<void> {
    const [repo, tag] = BUSYBOX_IMAGE.split(":");
    const stream = await daemon.client.importImage(fs.createReadStream(archive) as never, { repo, tag });
    await new Promise<void>((resolve, reject) =>
        daemon.client.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
    );
}

/** Two daemons standing for two nodes, with the busybox image on both. */
export interface DaemonPair {
    root: string;
    source: TestDaemon;
    target: TestDaemon;
    archive: string;
}

/** Creates a temporary folder and starts two daemons in it, named after two nodes. */
export async function startDaemonPair(sourceName: string, targetName: string): Promise<DaemonPair> {
    requireDockerPrerequisites();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bev-docker-"));
    const archive = buildBusyboxRootfs(root);
    const source = await startDaemon(root, sourceName).catch((error: unknown) => {
        fs.rmSync(root, { recursive: true, force: true });
        throw error;
    });
    let target: TestDaemon;
    try {
        target = await startDaemon(root, targetName);
    } catch (error) {
        await stopDaemon(source);
        unmountUnder(root);
        fs.rmSync(root, { recursive: true, force: true });
        throw error;
    }
    const pair = { root, source, target, archive };
    try {
        await Promise.all([importImage(source, archive), importImage(target, archive)]);
    } catch (error) {
        await stopDaemonPair(pair);
        throw error;
    }
    return pair;
}

/**
 * Unmounts what the test daemons left mounted under `root`, deepest first. A daemon that was
 * killed leaves the mount it makes of its data root.
 */
function unmountUnder(root: string): void {
    const mountPoints = fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((point): point is string => point !== undefined && (point === root || point.startsWith(`${root}/`)))
        .sort((a, b) => b.length - a.length);
    for (const point of mountPoints) {
        const result = spawnSync("umount", [point], { encoding: "utf8" });
        if (result.status !== 0) {
            throw new Error(`umount ${point} failed: ${result.stderr}`);
        }
    }
}

/** Removes the containers, stops both daemons by PID and deletes the temporary folder. */
export async function stopDaemonPair(pair: DaemonPair): Promise<void> {
    for (const daemon of [pair.source, pair.target]) {
        if (alive(daemon.pid)) {
            await removeAllContainers(daemon).catch(() => undefined);
            await stopDaemon(daemon);
        }
    }
    unmountUnder(pair.root);
    fs.rmSync(pair.root, { recursive: true, force: true });
}
