/**
 * Lists of moves, as a planner writes them and the migrate command and the Pulumi program read
 * them: `[{ service, from, to }, ...]` in YAML or JSON, or the same list under `moves:`.
 */
import * as fs from "node:fs";

import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";

import { InputError } from "../model/units";
import type { Move } from "./backup";

/** Container names Docker accepts. */
export const CONTAINER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Node names of the inventory. */
export const NODE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

const moveSchema = z.strictObject({
    service: z.string().regex(CONTAINER_NAME_PATTERN, "a service name is a Docker container name, such as doc-analyzer-1"),
    from: z.string().regex(NODE_NAME_PATTERN, "a node name is lower-case letters, digits, '.', '_' or '-', such as thanos"),
    to: z.string().regex(NODE_NAME_PATTERN, "a node name is lower-case letters, digits, '.', '_' or '-', such as starlord"),
});

const listSchema = z.array(moveSchema);
const documentSchema = z.strictObject({ moves: listSchema });

/**
 * Validates a list of moves. Throws `InputError` naming `source`, the path and the value when an
 * entry is malformed, moves a service to the node it is on, or moves one service twice.
 */
export function parseMoves(raw: unknown, source: string): Move[] {
    // Parsed with the schema of the form given, so that an error points into the entry.
    const parsed = Array.isArray(raw) ? listSchema.safeParse(raw) : documentSchema.safeParse(raw);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
        throw new InputError(
            `${source}: ${where.replace(/^\./, "") || "(top level)"}`,
            `${issue.message}; expected a list of { service, from, to }, such as [{ service: doc-analyzer-1, from: thanos, to: starlord }]`,
        );
    }
    const moves = Array.isArray(parsed.data) ? parsed.data : parsed.data.moves;
    const seen = new Set<string>();
    moves.forEach((move, index) => {
        if (move.from === move.to) {
            throw new InputError(`${source}: [${index}]`, `service "${move.service}" is moved from ${move.from} to itself: set a different \`to\``);
        }
        if (seen.has(move.service)) {
            throw new InputError(`${source}: [${index}].service`, `service "${move.service}" is moved twice: list each service once`);
        }
        seen.add(move.service);
    });
    return moves;
}

/** Reads a YAML or JSON moves file; throws `InputError` naming the file. */
export function readMovesFile(file: string): Move[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
        throw new InputError(file, `cannot read the moves file: ${reason}`);
    }
    try {
        return parseMoves(parseYaml(text, { uniqueKeys: true }), file);
    } catch (error) {
        if (error instanceof YAMLParseError) {
            throw new InputError(file, `invalid YAML or JSON: ${error.message.split("\n")[0]}`);
        }
        throw error;
    }
}
