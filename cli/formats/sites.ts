/**
 * Maps a policy violation to the place a user fixes it: the service's entry in the inventory the
 * stack was built from, or the node's entry for a violation about a node's totals. The CI formats
 * (JUnit, SARIF, GitHub annotations) share it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { LineCounter, isMap, isScalar, isSeq, parseDocument } from "yaml";

import { SHIPPED_SOURCE } from "../../stacks/inventory";
import type { Diagnostic } from "../analyzer";
import type { StackReport } from "../offline-check";

/** A 1-based line and column in a file. */
export interface Position {
    line: number;
    column: number;
}

/** The file position at which a violation is fixed, and the stack, node and resource it concerns. */
export interface ViolationSite extends Position {
    /** Absolute path of the file to change. */
    file: string;
    stack: string;
    node: string;
    /** Service whose entry the site points at, or undefined for a violation about a node's totals. */
    service?: string;
    /** URN of the offending resource, or "" for a stack-level violation. */
    urn: string;
}

/** Finds entries in one inventory file. */
interface InventoryIndex {
    service(plan: string, name: string): Position | undefined;
    node(name: string): (Position & { file: string }) | undefined;
}

/** The folders that paths in the reports refer to. */
export interface SiteRoots {
    /** Folder of this package, which contains `stacks/services.ts` and `stacks/hardware.ts`. */
    packageRoot: string;
    /** Pulumi project folder, which contains the `Pulumi.<stack>.yaml` files. */
    projectDir: string;
}

const FILE_START: Position = { line: 1, column: 1 };

/**
 * Returns a violation's message without the policy description that the policy SDK puts before
 * it, since every format shows the policy separately.
 */
export function violationText(violation: Diagnostic): string {
    return violation.message.startsWith(`${violation.description}\n`)
        ? violation.message.slice(violation.description.length + 1)
        : violation.message;
}

/** Returns the resource name at the end of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function resourceNameOf(urn: string): string | undefined {
    const separator = urn.lastIndexOf("::");
    return urn === "" || separator < 0 ? undefined : urn.slice(separator + 2);
}

/** Locates violations in inventory files, reading each file once. */
export class SiteLocator {
    private readonly indexes = new Map<string, InventoryIndex>();

    constructor(readonly roots: SiteRoots) {}

    /**
     * Returns where `violation` of `stack` is fixed. When the URN names a service of the stack's
     * plan, that is the service's `name` in the inventory. Otherwise it is the entry of the node
     * that a message starting with "Node <name>" names, or else of the stack's node. When the
     * inventory has no such entry, it is the `bev:node` line of `Pulumi.<stack>.yaml`.
     */
    locate(violation: Diagnostic, stack: StackReport): ViolationSite {
        const inventory = this.inventoryFile(stack);
        const index = this.index(inventory);
        const resource = resourceNameOf(violation.urn);
        const base = { stack: stack.stack, node: stack.node, urn: violation.urn };

        const serviceAt = resource === undefined ? undefined : index.service(stack.plan, resource);
        if (serviceAt !== undefined) {
            return { ...base, file: inventory, ...serviceAt, service: resource };
        }
        const named = /^Node (\S+) /m.exec(violationText(violation))?.[1];
        const node = named !== undefined && index.node(named) !== undefined ? named : stack.node;
        const nodeAt = index.node(node);
        if (nodeAt !== undefined) {
            return { ...base, node, ...nodeAt };
        }
        const stackFile = path.join(this.roots.projectDir, `Pulumi.${stack.stack}.yaml`);
        return { ...base, node, file: stackFile, ...findStackNodeKey(stackFile) };
    }

    /**
     * Returns the service entries of the URNs in brackets in a violation's message, such as the
     * largest containers of a node over capacity. The violation's own URN and URNs that are not
     * services of the stack's plan are left out.
     */
    locateMentioned(violation: Diagnostic, stack: StackReport): ViolationSite[] {
        const inventory = this.inventoryFile(stack);
        const index = this.index(inventory);
        const sites: ViolationSite[] = [];
        for (const [, urn] of violationText(violation).matchAll(/\((urn:pulumi:[^()\s]+)\)/g)) {
            const service = resourceNameOf(urn);
            const position = service === undefined ? undefined : index.service(stack.plan, service);
            if (urn === violation.urn || position === undefined || sites.some((s) => s.urn === urn)) {
                continue;
            }
            sites.push({ file: inventory, ...position, stack: stack.stack, node: stack.node, service, urn });
        }
        return sites;
    }

    /**
     * Returns `file` as CI systems expect it: relative to the project folder with `/` separators,
     * or absolute when the file lies outside that folder.
     */
    displayPath(file: string): string {
        const relative = path.relative(this.roots.projectDir, file);
        if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
            return file;
        }
        return relative.split(path.sep).join("/");
    }

    /** Absolute path of the inventory a stack report was built from. */
    inventoryFile(stack: StackReport): string {
        // The check reports a user's inventory relative to the working directory, which is this process's too.
        return stack.inventory === SHIPPED_SOURCE
            ? path.join(this.roots.packageRoot, SHIPPED_SOURCE)
            : path.resolve(stack.inventory);
    }

    private index(file: string): InventoryIndex {
        let index = this.indexes.get(file);
        if (index === undefined) {
            index = file === path.join(this.roots.packageRoot, SHIPPED_SOURCE)
                ? indexShippedInventory(file, path.join(this.roots.packageRoot, "stacks", "hardware.ts"))
                : indexInventoryFile(file);
            this.indexes.set(file, index);
        }
        return index;
    }
}

const NO_ENTRIES: InventoryIndex = { service: () => undefined, node: () => undefined };

function readText(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

/** Indexes a YAML or JSON inventory by the source positions its parser records. */
function indexInventoryFile(file: string): InventoryIndex {
    const text = readText(file);
    if (text === undefined) {
        return NO_ENTRIES;
    }
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter });
    const positionOf = (offset: number): Position => {
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col };
    };
    return {
        service(plan, name) {
            const entries = document.getIn(["plans", plan], true);
            if (!isSeq(entries)) {
                return undefined;
            }
            for (const entry of entries.items) {
                if (!isMap(entry)) {
                    continue;
                }
                const pair = entry.items.find((p) => isScalar(p.key) && p.key.value === "name");
                if (pair !== undefined && isScalar(pair.value) && pair.value.value === name && isScalar(pair.key)) {
                    return pair.key.range ? positionOf(pair.key.range[0]) : undefined;
                }
            }
            return undefined;
        },
        node(name) {
            const nodes = document.get("nodes", true);
            if (!isMap(nodes)) {
                return undefined;
            }
            const pair = nodes.items.find((p) => isScalar(p.key) && p.key.value === name);
            const range = pair !== undefined && isScalar(pair.key) ? pair.key.range : undefined;
            return range ? { file, ...positionOf(range[0]) } : undefined;
        },
    };
}

/**
 * Indexes the shipped inventory by text: each service is one row of `stacks/services.ts` with
 * `name: "<service>"` for both plans, and each node a `<node>: {` entry of `stacks/hardware.ts`.
 */
function indexShippedInventory(servicesFile: string, hardwareFile: string): InventoryIndex {
    const services = readText(servicesFile)?.split("\n") ?? [];
    const hardware = readText(hardwareFile)?.split("\n") ?? [];
    return {
        service(_plan, name) {
            return findLine(services, (line) => line.indexOf(`name: "${name}"`));
        },
        node(name) {
            const key = new RegExp(`^(\\s*)"?${escapeRegExp(name)}"?\\s*:\\s*\\{`);
            const position = findLine(hardware, (line) => {
                const match = key.exec(line);
                return match === null ? -1 : match[1].length;
            });
            return position === undefined ? undefined : { file: hardwareFile, ...position };
        },
    };
}

/** Finds the first line where `columnOf` returns a 0-based column other than -1. */
function findLine(lines: string[], columnOf: (line: string) => number): Position | undefined {
    for (const [index, line] of lines.entries()) {
        const column = columnOf(line);
        if (column >= 0) {
            return { line: index + 1, column: column + 1 };
        }
    }
    return undefined;
}

function findStackNodeKey(stackFile: string): Position {
    const text = readText(stackFile);
    if (text === undefined) {
        return FILE_START;
    }
    const lineCounter = new LineCounter();
    const config = parseDocument(text, { lineCounter }).get("config", true);
    if (!isMap(config)) {
        return FILE_START;
    }
    const pair = config.items.find((p) => isScalar(p.key) && (p.key.value === "bev:node" || p.key.value === "node"));
    const range = pair !== undefined && isScalar(pair.key) ? pair.key.range : undefined;
    if (!range) {
        return FILE_START;
    }
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, column: col };
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
