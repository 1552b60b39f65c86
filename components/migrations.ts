/**
 * Service moves declared in a node's stack: one `command:local:Command` per moved service that
 * runs the shipped migrate command (`dist/cli/migrate.js`) on the machine running Pulumi. The
 * commands run in the listed order, each after the one before, and the moved service's container
 * on this node waits for its command.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

import { DOCKER_HOST_PATTERN } from "../model/labels";
import { InputError } from "../model/units";
import type { ServiceSpec } from "../stacks/schema";

/** Path of the migrate command relative to the project root, where Pulumi runs local commands. */
export const MIGRATE_SCRIPT = "dist/cli/migrate.js";

// Built on first use: `./node` imports this module, so its exports are not set yet at load time.
const migrationsSchema = () =>
    z.strictObject({
        plan: z.string().min(1),
        backupDir: z.string().min(1),
        hosts: z.record(z.string(), z.string().regex(DOCKER_HOST_PATTERN, "expected unix://, tcp:// or ssh:// followed by an address")),
        helperImage: z.string().min(1).optional(),
        settleSeconds: z.number().nonnegative().optional(),
        moves: z.array(z.strictObject({ service: z.string().min(1), from: z.string().min(1) })).min(1),
    });

/**
 * The `bev:migrations` stack config: moves onto this stack's node, in order, that bring the node
 * to the plan named in `plan`. A stack that deploys another plan declares no move.
 */
export type MigrationsConfig = z.output<ReturnType<typeof migrationsSchema>>;

/**
 * Validates `bev:migrations` against the services that its plan places on `node`. Throws `InputError` naming
 * the config key, the path and the value when a move names a service that is not placed on this
 * node, comes from this node, lists a service twice, or comes from a node without a host.
 */
export function parseMigrationsConfig(raw: unknown, node: string, services: ServiceSpec[], where: string): MigrationsConfig {
    const parsed = migrationsSchema().safeParse(raw);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InputError(
            `${where}.${issue.path.map(String).join(".")}`,
            `${issue.message}; expected { plan, backupDir, hosts: { NODE: ADDRESS }, moves: [{ service, from }] }`,
        );
    }
    const config = parsed.data;
    const seen = new Set<string>();
    config.moves.forEach((move, index) => {
        const at = `${where}.moves[${index}]`;
        if (!services.some((service) => service.name === move.service)) {
            throw new InputError(
                `${at}.service`,
                `service "${move.service}" is not placed on node ${node} in this stack's plan: move only services of this node`,
            );
        }
        if (move.from === node) {
            throw new InputError(`${at}.from`, `service "${move.service}" is moved from ${node} to itself: \`from\` is the node it runs on now`);
        }
        if (config.hosts[move.from] === undefined) {
            throw new InputError(`${where}.hosts`, `missing Docker host of node ${move.from}, from which "${move.service}" moves`);
        }
        if (seen.has(move.service)) {
            throw new InputError(`${at}.service`, `service "${move.service}" is listed twice: list each move once`);
        }
        seen.add(move.service);
    });
    return config;
}

/** Quotes a word for a POSIX shell. */
function shellQuote(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Declares one command per move, in order. The first waits for `after` (the node's network,
 * which the moved container joins); each later one waits for the one before. Returns the
 * commands by service name.
 */
export function declareMigrations(
    node: string,
    dockerHost: string,
    config: MigrationsConfig,
    after: pulumi.Resource[],
    opts: pulumi.CustomResourceOptions,
): Map<string, command.local.Command> {
    const commands = new Map<string, command.local.Command>();
    let previous: pulumi.Resource[] = after;
    for (const move of config.moves) {
        const args = [
            "node", MIGRATE_SCRIPT,
            "--service", move.service,
            "--from", move.from,
            "--to", node,
            "--source-host", config.hosts[move.from],
            "--target-host", dockerHost,
            "--backup-dir", config.backupDir,
            // The container of the stack takes over the restored volumes.
            "--hand-over",
            ...(config.helperImage === undefined ? [] : ["--helper-image", config.helperImage]),
            ...(config.settleSeconds === undefined ? [] : ["--settle", String(config.settleSeconds)]),
        ];
        const migration = new command.local.Command(
            `migrate-${move.service}`,
            { create: args.map(shellQuote).join(" ") },
            { ...opts, dependsOn: previous },
        );
        commands.set(move.service, migration);
        previous = [migration];
    }
    return commands;
}
