/**
 * Reads the project's stacks from `Pulumi.<stack>.yaml` files, as the Pulumi CLI does for a
 * local project.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml, YAMLParseError } from "yaml";

import { InputError } from "../model/units";

export interface StackConfig {
    name: string;
    /** Stack config with namespaced keys, such as `bev:node`. */
    config: Record<string, string>;
    /** Keys whose value is a mapping or a list, passed to the program as JSON text. */
    structured: Set<string>;
    file: string;
}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** Reads the project name from `Pulumi.yaml`. */
export function readProjectName(projectDir: string): string {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = parseYaml(fs.readFileSync(file, "utf8")) as { name?: unknown };
    if (typeof project?.name !== "string" || project.name === "") {
        throw new InputError("Pulumi.yaml", "missing project `name`");
    }
    return project.name;
}

/** Lists the stacks that have a `Pulumi.<stack>.yaml` file, sorted by name. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((file) => STACK_FILE.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/** Reads one stack's config. Secure values need the stack's secrets provider, so they are rejected. */
export function readStackConfig(projectDir: string, project: string, stack: string): StackConfig {
    const file = `Pulumi.${stack}.yaml`;
    const fullPath = path.join(projectDir, file);
    if (!fs.existsSync(fullPath)) {
        const known = listStacks(projectDir);
        throw new InputError(
            "--stack",
            `unknown stack "${stack}": no ${file} in ${projectDir}; stacks found: ${known.length === 0 ? "none" : known.join(", ")}. ` +
                `Create ${file} with config bev:node, bev:plan and bev:dockerHost to check that node`,
        );
    }
    let document: unknown;
    try {
        document = parseYaml(fs.readFileSync(fullPath, "utf8"));
    } catch (error) {
        if (error instanceof YAMLParseError) {
            throw new InputError(file, `invalid YAML: ${error.message.split("\n")[0]}`);
        }
        throw error;
    }
    const section = (document as { config?: unknown } | null)?.config ?? {};
    if (section === null || typeof section !== "object" || Array.isArray(section)) {
        throw new InputError(`${file}: config`, "expected a mapping of config keys to values");
    }
    const config: Record<string, string> = {};
    const structured = new Set<string>();
    for (const [key, value] of Object.entries(section)) {
        const namespaced = key.includes(":") ? key : `${project}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in value) {
            throw new InputError(`${file}: config.${key}`, "secure values cannot be decrypted without the Pulumi CLI; the check needs plain values");
        }
        if (value === null) {
            throw new InputError(`${file}: config.${key}`, "missing value: give a value or remove the key");
        }
        // Structured values reach the program as JSON text, as the Pulumi CLI passes them.
        config[namespaced] = typeof value === "object" ? JSON.stringify(value) : String(value);
        if (typeof value === "object") {
            structured.add(namespaced);
        }
    }
    return { name: stack, config, structured, file };
}
