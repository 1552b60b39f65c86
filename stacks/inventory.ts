/**
 * Loads an inventory: the shipped one, or a YAML or JSON file of the same shape.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml, YAMLParseError } from "yaml";

import { parseJsonText } from "../model/json";
import { InputError } from "../model/units";
import { hardware } from "./hardware";
import { Inventory, RawInventory, parseInventory } from "./schema";
import { plans } from "./services";

/** The platform's inventory as shipped: its hardware and both plans. */
export const shippedInventory: RawInventory = { nodes: hardware, plans };

export const SHIPPED_SOURCE = "stacks/services.ts";

/**
 * Reads and validates an inventory file: JSON when its name ends in `.json`, YAML otherwise.
 * Syntax errors give a line and column. Throws `InputError` naming the file.
 */
export function readInventoryFile(file: string): Inventory {
    // A file under the working directory is named relative to it, any other by its absolute path.
    const relative = path.relative(process.cwd(), path.resolve(file));
    const source = relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(file) : relative;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
        throw new InputError(source, `cannot read the inventory: ${reason}`);
    }
    const raw = file.toLowerCase().endsWith(".json") ? parseJsonText(text, source) : parseYamlFile(text, source);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw new InputError(source, "invalid inventory: expected a mapping with `nodes` and `plans`, such as the README's example");
    }
    return parseInventory(raw, source);
}

function parseYamlFile(text: string, source: string): unknown {
    try {
        return parseYaml(text, { uniqueKeys: true, prettyErrors: true });
    } catch (error) {
        if (error instanceof YAMLParseError) {
            const position = error.linePos?.[0];
            const at = position === undefined ? "" : `:${position.line}:${position.col}`;
            throw new InputError(`${source}${at}`, `invalid YAML: ${error.message.split("\n")[0]}`);
        }
        throw error;
    }
}

/** Returns the inventory at `file`, or the shipped one when `file` is undefined. */
export function loadInventory(file?: string): Inventory {
    return file === undefined ? parseInventory(shippedInventory, SHIPPED_SOURCE) : readInventoryFile(file);
}
