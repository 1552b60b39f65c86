/**
 * Starts a CrossGuard policy pack's process and reads the port it serves the analyzer on. This
 * module loads no gRPC, so a caller can start the pack before it loads anything else.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";

// ts-node type-checks a pack started from TypeScript before it listens, which can take minutes on
// a loaded machine.
const START_TIMEOUT_MS = 300_000;

/** A policy pack's process, from its spawn on. */
export interface LaunchedPack {
    /** The pack's folder or compiled entry point, for messages. */
    readonly label: string;
    readonly child: ChildProcess;
    /** Resolves to the port the pack prints once it serves; rejects if it exits or prints something else. */
    readonly port: Promise<number>;
    /** Standard error output of the process so far. */
    readonly stderr: string[];
}

/** Path of the SDK's policy pack launcher, the program the CLI runs for a Node.js pack. */
function runPolicyPackScript(): string {
    return path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "cmd", "run-policy-pack");
}

/**
 * Starts the pack in `packDir` as the Pulumi CLI does, as `node .../run-policy-pack
 * <engine-address> <packDir>`, which compiles and type-checks its TypeScript with ts-node.
 */
export function launchPack(packDir: string): LaunchedPack {
    const directory = path.resolve(packDir);
    // The pack serves the analyzer and never calls the engine, so no engine listens at this address.
    const engineAddress = "127.0.0.1:0";
    return launch([runPolicyPackScript(), engineAddress, directory], directory, directory);
}

/**
 * Starts the pack in `packDir` from its compiled JavaScript, as `node <entry>` in `packDir`.
 * Loading the entry constructs the `PolicyPack`, which reads its version from the folder's
 * `package.json`, serves the analyzer and prints its port exactly as under `run-policy-pack`,
 * without the seconds ts-node spends compiling and type-checking the pack again.
 */
export function launchCompiledPack(packDir: string, entry: string): LaunchedPack {
    const file = path.resolve(entry);
    if (!fs.existsSync(file)) {
        throw new Error(`Compiled policy pack ${file} does not exist; build it with \`npm run build\``);
    }
    return launch([file], path.resolve(packDir), file);
}

function launch(args: string[], cwd: string, label: string): LaunchedPack {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const stderr: string[] = [];
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    const port = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`Policy pack ${label} printed no port within ${START_TIMEOUT_MS / 1000} s:\n${stderr.join("")}`));
        }, START_TIMEOUT_MS);
        const lines = createInterface({ input: child.stdout! });
        lines.once("line", (line) => {
            clearTimeout(timer);
            const value = Number(line.trim());
            if (Number.isInteger(value) && value > 0) {
                resolve(value);
            } else {
                child.kill();
                reject(new Error(`Policy pack ${label} printed ${JSON.stringify(line)} instead of a port`));
            }
        });
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`Policy pack ${label} exited (${signal ?? `code ${code}`}) before serving:\n${stderr.join("").trim()}`));
        });
    });
    // A failed start surfaces where the caller awaits the port.
    port.catch(() => undefined);
    return { label, child, port, stderr };
}

/** Stops the pack's process, if it still runs, and waits for it to exit. */
export async function stopPack(pack: LaunchedPack): Promise<void> {
    const { child } = pack;
    if (child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
}
