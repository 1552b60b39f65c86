/**
 * Docker Engine API access for the migration runbook: connecting to a node's daemon with a
 * negotiated API version, and running short-lived helper containers that stream a volume's
 * contents out or in.
 */
import { PassThrough, Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";

import Docker from "dockerode";

import { InputError } from "../model/units";

/**
 * Highest Engine API version this code is written against. A newer daemon is spoken to at this
 * version, an older one at its own, as the Docker CLI negotiates.
 */
export const MAX_API_VERSION = "1.41";

/**
 * Label on every helper container. A helper is removed when its command ends, so one with this
 * label that is not running was left by a crash: `docker ps -a --filter label=bev.migration.helper`.
 */
export const HELPER_LABEL = "bev.migration.helper";

/** Mount point of the volume inside a helper container. */
export const HELPER_MOUNT = "/data";

/** A node's Docker daemon as the runbook uses it. */
export interface DockerNode {
    /** Node name, such as `thanos`, for messages. */
    node: string;
    /** Daemon address as given, such as `unix:///var/run/docker.sock`. */
    host: string;
    client: Docker;
    /** Engine API version in use, such as `1.41`. */
    apiVersion: string;
}

/**
 * Translates a Docker host address into dockerode options. Accepts `unix://PATH`,
 * `tcp://HOST:PORT` (plain HTTP) and `ssh://[USER@]HOST[:PORT]` (the remote needs the docker CLI
 * for `docker system dial-stdio`, and the key comes from `SSH_AUTH_SOCK`). Throws `InputError`
 * naming `where` for anything else.
 */
export function dockerOptions(host: string, where: string): Docker.DockerOptions {
    const unix = /^unix:\/\/(\/\S+)$/.exec(host);
    if (unix !== null) {
        return { socketPath: unix[1] };
    }
    let url: URL;
    try {
        url = new URL(host);
    } catch {
        throw new InputError(where, `invalid Docker host ${JSON.stringify(host)}: expected unix:///PATH, tcp://HOST:PORT or ssh://USER@HOST`);
    }
    if (url.protocol === "tcp:" && url.hostname !== "") {
        return { protocol: "http", host: url.hostname, port: url.port === "" ? 2375 : Number(url.port) };
    }
    if (url.protocol === "ssh:" && url.hostname !== "") {
        // NOTE: the ssh transport of docker-modem is not exercised by the tests, which use unix sockets.
        return {
            protocol: "ssh",
            host: url.hostname,
            port: url.port === "" ? 22 : Number(url.port),
            ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
            ...(process.env.SSH_AUTH_SOCK === undefined ? {} : { sshOptions: { agent: process.env.SSH_AUTH_SOCK } }),
        };
    }
    throw new InputError(where, `invalid Docker host ${JSON.stringify(host)}: expected unix:///PATH, tcp://HOST:PORT or ssh://USER@HOST`);
}

/** Compares two dotted API versions numerically; negative when `a` is older. */
export function compareApiVersions(a: string, b: string): number {
    const [aMajor, aMinor] = a.split(".").map(Number);
    const [bMajor, bMinor] = b.split(".").map(Number);
    return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/**
 * Connects to a node's daemon and negotiates the API version: the older of the daemon's
 * version and `MAX_API_VERSION`. Fails when the daemon cannot be reached.
 */
export async function connectNode(node: string, host: string, where: string): Promise<DockerNode> {
    const options = dockerOptions(host, where);
    const probe = new Docker(options);
    const version = (await probe.version()) as { ApiVersion: string };
    const apiVersion = compareApiVersions(version.ApiVersion, MAX_API_VERSION) < 0 ? version.ApiVersion : MAX_API_VERSION;
    return { node, host, client: new Docker({ ...options, version: `v${apiVersion}` }), apiVersion };
}

/** True for a Docker API error with HTTP status 404 (no such container, volume or image). */
export function isNotFound(error: unknown): boolean {
    return (error as { statusCode?: number } | null)?.statusCode === 404;
}

/** Inspects a container by name; undefined when it does not exist. */
export async function inspectContainer(docker: DockerNode, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
        return await docker.client.getContainer(name).inspect();
    } catch (error) {
        if (isNotFound(error)) {
            return undefined;
        }
        throw error;
    }
}

/** Inspects a volume by name; undefined when it does not exist. */
export async function inspectVolume(docker: DockerNode, name: string): Promise<Docker.VolumeInspectInfo | undefined> {
    try {
        return await docker.client.getVolume(name).inspect();
    } catch (error) {
        if (isNotFound(error)) {
            return undefined;
        }
        throw error;
    }
}

export interface HelperRun {
    /** Image with busybox `sh`, `tar`, `find`, `stat` and `sha256sum`. */
    image: string;
    /** Command, such as `["tar", "-C", "/data", "-cf", "-", "."]`. */
    cmd: string[];
    /** Volume mounted at `HELPER_MOUNT`. */
    volume: string;
    readOnly: boolean;
    /** Data sent to the command's standard input, which is closed at its end. */
    stdin?: Readable;
    /** Receives the command's standard output; ended when the output ends. */
    stdout: Writable;
}

/**
 * Runs a command in a helper container with one volume mounted, streaming its standard input and
 * output, and removes the container. Returns the exit code and the standard error text; a
 * non-zero exit is for the caller to judge.
 */
export async function runHelper(docker: DockerNode, run: HelperRun): Promise<{ exitCode: number; stderr: string }> {
    const withStdin = run.stdin !== undefined;
    const container = await docker.client.createContainer({
        Image: run.image,
        Cmd: run.cmd,
        Labels: { [HELPER_LABEL]: "true" },
        AttachStdin: withStdin,
        OpenStdin: withStdin,
        StdinOnce: withStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        NetworkDisabled: true,
        HostConfig: {
            NetworkMode: "none",
            Mounts: [{ Type: "volume", Source: run.volume, Target: HELPER_MOUNT, ReadOnly: run.readOnly }],
        },
    });
    try {
        const stream = (await container.attach({
            stream: true,
            stdin: withStdin,
            stdout: true,
            stderr: true,
            hijack: withStdin,
        })) as NodeJS.ReadWriteStream;
        const stderrChunks: Buffer[] = [];
        const stderr = new PassThrough();
        stderr.on("data", (chunk: Buffer) => stderrChunks.push(chunk));
        const output = new Promise<void>((resolve, reject) => {
            stream.on("end", resolve);
            stream.on("close", resolve);
            stream.on("error", reject);
        });
        docker.client.modem.demuxStream(stream, run.stdout, stderr);
        await container.start();
        if (run.stdin !== undefined) {
            // Ending the hijacked connection's write side closes the command's standard input.
            run.stdin.pipe(stream as unknown as Writable, { end: true });
            await finished(stream as unknown as Writable, { readable: false });
        }
        const exit = (await container.wait()) as { StatusCode: number };
        await output;
        run.stdout.end();
        await finished(run.stdout);
        return { exitCode: exit.StatusCode, stderr: Buffer.concat(stderrChunks).toString("utf8").trim() };
    } finally {
        await container.remove({ force: true }).catch(() => undefined);
    }
}

/** Collects everything written to it; for commands with short output. */
export class TextSink extends Writable {
    private readonly chunks: Buffer[] = [];

    override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
        this.chunks.push(chunk);
        callback();
    }

    get text(): string {
        return Buffer.concat(this.chunks).toString("utf8");
    }
}
