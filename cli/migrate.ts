/**
 * `npm run migrate`: moves services between nodes' Docker daemons with the runbook in
 * `migrate/runbook.ts`, one after another, stopping at the first failure. Progress goes to
 * stderr, one line per step.
 *
 * Exit codes: 0 when every move finished, now or before. 1 when a move failed and the source was
 * left as it was or rolled back. 2 on bad input or usage. 3 when a rollback failed or the
 * command itself failed.
 */
import { Command } from "commander";

import { InputError, parseCpuMillicores, parseSizeMiB } from "../model/units";
import type { LimitOverrides } from "../migrate/container-config";
import { DockerNode, connectNode, dockerOptions } from "../migrate/docker";
import { CONTAINER_NAME_PATTERN, NODE_NAME_PATTERN, readMovesFile } from "../migrate/moves";
import { MigrationError, Move, migrateService } from "../migrate/runbook";
import { EXIT_BAD_INPUT, parseCommandLine } from "./command-line";

const EXIT_MIGRATION_FAILED = 1;
const EXIT_INTERNAL_ERROR = 3;

/** Default helper image: busybox provides `tar`, `find`, `stat` and `sha256sum`. */
export const DEFAULT_HELPER_IMAGE = "busybox:1.36.1";

interface Options {
    service?: string;
    from?: string;
    to?: string;
    moves?: string;
    sourceHost?: string;
    targetHost?: string;
    host?: string[];
    backupDir: string;
    helperImage: string;
    settle: string;
    healthTimeout: string;
    memory?: string;
    cpus?: string;
    networkMap?: string[];
    handOver?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function parsePairs(values: string[], option: string, example: string): Record<string, string> {
    const pairs: Record<string, string> = {};
    for (const value of values) {
        const equals = value.indexOf("=");
        if (equals <= 0 || equals === value.length - 1) {
            throw new InputError(option, `invalid value ${JSON.stringify(value)}: expected NAME=VALUE, such as ${example}`);
        }
        pairs[value.slice(0, equals)] = value.slice(equals + 1);
    }
    return pairs;
}

function parseSeconds(value: string, option: string): number {
    const seconds = Number(value);
    if (value.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
        throw new InputError(option, `invalid duration ${JSON.stringify(value)}: expected seconds, 0 or more, such as 10`);
    }
    return seconds * 1000;
}

/** Resolves the options into moves and node addresses; throws `InputError` on bad input. */
function resolveMoves(options: Options): { moves: Move[]; hosts: Record<string, string> } {
    const hosts = parsePairs(options.host ?? [], "--host", "thanos=ssh://bev@thanos");
    let moves: Move[];
    if (options.moves !== undefined) {
        if (options.service !== undefined || options.sourceHost !== undefined || options.targetHost !== undefined) {
            throw new InputError("--moves", "--moves excludes --service, --source-host and --target-host: give node addresses with --host");
        }
        moves = readMovesFile(options.moves);
    } else {
        for (const [option, value] of [["--service", options.service], ["--from", options.from], ["--to", options.to]] as const) {
            if (value === undefined) {
                throw new InputError(option, "missing: give --service, --from and --to, or a --moves file");
            }
        }
        const move = { service: options.service!, from: options.from!, to: options.to! };
        if (!CONTAINER_NAME_PATTERN.test(move.service)) {
            throw new InputError("--service", `invalid container name ${JSON.stringify(move.service)}: expected letters, digits, '.', '_' or '-'`);
        }
        for (const [option, node] of [["--from", move.from], ["--to", move.to]] as const) {
            if (!NODE_NAME_PATTERN.test(node)) {
                throw new InputError(option, `invalid node name ${JSON.stringify(node)}: expected lower-case letters, digits, '.', '_' or '-'`);
            }
        }
        if (move.from === move.to) {
            throw new InputError("--to", `the target node ${move.to} is the source node: give a different --to`);
        }
        if (options.sourceHost !== undefined) {
            hosts[move.from] = options.sourceHost;
        }
        if (options.targetHost !== undefined) {
            hosts[move.to] = options.targetHost;
        }
        moves = [move];
    }
    for (const move of moves) {
        for (const node of [move.from, move.to]) {
            if (hosts[node] === undefined) {
                throw new InputError("--host", `missing Docker host of node ${node}: add --host ${node}=unix:///var/run/docker.sock or similar`);
            }
        }
    }
    for (const [node, host] of Object.entries(hosts)) {
        dockerOptions(host, `Docker host of node ${node}`);
    }
    return { moves, hosts };
}

function resolveLimits(options: Options): LimitOverrides {
    const limits: LimitOverrides = {};
    if (options.memory !== undefined) {
        limits.memoryBytes = parseSizeMiB(options.memory, "--memory") * 1024 * 1024;
    }
    if (options.cpus !== undefined) {
        limits.nanoCpus = parseCpuMillicores(options.cpus, "--cpus") * 1_000_000;
    }
    return limits;
}

async function main(argv: string[]): Promise<number> {
    const command = new Command("migrate")
        .description("Move services between nodes' Docker daemons: back up, verify, stop, restore, start, health check, remove.")
        .option("--service <name>", "container name of the service to move")
        .option("--from <node>", "node the service runs on")
        .option("--to <node>", "node to move the service to")
        .option("--moves <file>", "YAML or JSON list of { service, from, to }, moved in order")
        .option("--source-host <address>", "Docker host of --from, such as unix:///var/run/docker.sock or ssh://bev@thanos")
        .option("--target-host <address>", "Docker host of --to")
        .option("--host <node=address>", "Docker host of a node; repeat for each node of --moves", collect)
        .requiredOption("--backup-dir <dir>", "folder for backups and journals, on this machine")
        .option("--helper-image <image>", "image with busybox tar, find, stat and sha256sum on both nodes", DEFAULT_HELPER_IMAGE)
        .option("--settle <seconds>", "time a container without HEALTHCHECK must keep running on the target", "10")
        .option("--health-timeout <seconds>", "time a HEALTHCHECK has to report healthy", "120")
        .option("--memory <size>", "memory limit on the target instead of the source's, such as 3g")
        .option("--cpus <cores>", "CPU limit on the target instead of the source's, such as 1.5")
        .option("--network-map <source=target>", "network on the target for a source network (default: bev-FROM=bev-TO)", collect)
        .option("--hand-over", "remove the started target container, keeping its volumes, for the deployment to create its own");

    const stop = parseCommandLine(command, argv);
    if (stop !== undefined) {
        return stop;
    }
    const options = command.opts<Options>();

    let moves: Move[];
    let hosts: Record<string, string>;
    let limits: LimitOverrides;
    let settleMs: number;
    let healthTimeoutMs: number;
    let networkMap: Record<string, string>;
    try {
        ({ moves, hosts } = resolveMoves(options));
        limits = resolveLimits(options);
        settleMs = parseSeconds(options.settle, "--settle");
        healthTimeoutMs = parseSeconds(options.healthTimeout, "--health-timeout");
        networkMap = parsePairs(options.networkMap ?? [], "--network-map", "bev-thanos=bev-starlord");
        if (moves.length > 1 && (limits.memoryBytes !== undefined || limits.nanoCpus !== undefined)) {
            throw new InputError("--memory/--cpus", "limits apply to one service: move one service per run to change its limits");
        }
    } catch (error) {
        if (error instanceof InputError) {
            process.stderr.write(`error: ${error.message}\n`);
            return EXIT_BAD_INPUT;
        }
        throw error;
    }

    const nodes = new Map<string, DockerNode>();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    for (const [index, move] of moves.entries()) {
        try {
            for (const node of [move.from, move.to]) {
                if (!nodes.has(node)) {
                    nodes.set(node, await connectNode(node, hosts[node], `Docker host of node ${node}`));
                }
            }
        } catch (error) {
            process.stderr.write(
                `error: moving service "${move.service}" from ${move.from} to ${move.to} failed at step preflight: cannot reach ` +
                    `the Docker daemon (${(error as Error).message}). Nothing was changed.\n`,
            );
            return EXIT_MIGRATION_FAILED;
        }
        try {
            const result = await migrateService({
                move,
                source: nodes.get(move.from)!,
                target: nodes.get(move.to)!,
                backupDir: options.backupDir,
                helperImage: options.helperImage,
                settleMs,
                healthTimeoutMs,
                limits,
                networkMap,
                handOver: options.handOver === true,
                log,
            });
            log(`${move.service} ${move.from} -> ${move.to}: ${result.status}; backup in ${result.backup}`);
        } catch (error) {
            const skipped = moves.length - index - 1;
            const rest = skipped > 0 ? ` ${skipped} later move(s) not attempted.` : "";
            if (error instanceof MigrationError) {
                process.stderr.write(`error: ${error.message}${rest}\n`);
                return error.outcome === "rollback-failed" ? EXIT_INTERNAL_ERROR : EXIT_MIGRATION_FAILED;
            }
            throw error;
        }
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`error: the migrate command failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exitCode = EXIT_INTERNAL_ERROR;
    },
);
