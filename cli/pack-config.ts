/**
 * Reads and validates a `--policy-pack-config` file against the JSON Schemas the pack declares,
 * as `pulumi preview --policy-pack-config` does, and stricter: a key no policy declares is an
 * error, because a misspelt option would otherwise be ignored without a word.
 */
import * as fs from "node:fs";

import Ajv, { ErrorObject } from "ajv";

import { parseJsonText } from "../model/json";
import { InputError } from "../model/units";
import { resolveNodes } from "../policies/config";
import type { AnalyzerInfo, PolicyPackConfig } from "./analyzer";

const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

/** Reads a pack config file: a JSON object of policy names (or `all`) to a level or an object. */
export function readPolicyPackConfig(file: string): Record<string, unknown> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
        throw new InputError(file, `cannot read the policy pack config: ${reason}`);
    }
    const config = parseJsonText(text, file);
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new InputError(file, `expected a JSON object of policy names to their config (got ${JSON.stringify(config)})`);
    }
    return config as Record<string, unknown>;
}

/**
 * Checks a pack config against the pack's policies and their config schemas and returns it with
 * each level shorthand (`"policy": "advisory"`) expanded to `{ enforcementLevel }`. Throws
 * `InputError` naming the file, the policy and property, the value and what is accepted.
 */
export function validatePolicyPackConfig(info: AnalyzerInfo, raw: Record<string, unknown>, file: string): PolicyPackConfig {
    const policies = new Map(info.policies.map((p) => [p.name, p]));
    const ajv = new Ajv({ allErrors: false, strict: false });
    const config: PolicyPackConfig = {};

    for (const [name, value] of Object.entries(raw)) {
        const where = `${file}: ${name}`;
        const policy = policies.get(name);
        if (name !== "all" && policy === undefined) {
            throw new InputError(
                where,
                `unknown policy "${name}" in ${info.name}: expected "all" or one of ${[...policies.keys()].join(", ")}`,
            );
        }
        const entry = typeof value === "string" ? { enforcementLevel: value } : value;
        const properties = name === "all" ? {} : (policy?.configSchema?.properties ?? {});
        const schema = {
            type: "object",
            properties: { ...properties, enforcementLevel: { enum: ENFORCEMENT_LEVELS } },
            required: name === "all" ? [] : (policy?.configSchema?.required ?? []),
            additionalProperties: false,
        };
        const validate = ajv.compile(schema);
        if (!validate(entry)) {
            throw describeSchemaError(validate.errors?.[0], entry, where, Object.keys(schema.properties));
        }
        const checked = entry as PolicyPackConfig[string];
        if (checked.nodes !== undefined) {
            const nodes = resolveNodes(name, { nodes: checked.nodes });
            if (!nodes.ok) {
                throw new InputError(`${file}: ${nodes.error.where}`, nodes.error.detail);
            }
        }
        config[name] = checked;
    }
    return config;
}

function describeSchemaError(error: ErrorObject | undefined, entry: unknown, where: string, known: string[]): InputError {
    if (error === undefined) {
        return new InputError(where, "invalid config");
    }
    const pointer = error.instancePath.split("/").slice(1).map((key) => key.replace(/~1/g, "/").replace(/~0/g, "~"));
    let value: unknown = entry;
    for (const key of pointer) {
        value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
    }
    const place = `${where}${pointer.map((key) => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`)).join("")}`;
    const got = `(got ${value === undefined ? "nothing" : JSON.stringify(value)})`;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
        case "additionalProperties": {
            const key = String(params.additionalProperty);
            const expected = pointer.length === 0 ? `expected one of ${known.join(", ")}` : "remove it";
            return new InputError(`${place}.${key}`, `unknown key "${key}": ${expected}`);
        }
        case "enum":
            return new InputError(place, `invalid value ${got}: expected one of ${(params.allowedValues as unknown[]).join(", ")}`);
        case "type": {
            const types = Array.isArray(params.type) ? (params.type as string[]) : [String(params.type)];
            const expected =
                pointer.length === 0 ? "an enforcement level or an object" : types.map((t) => `${/^[aeiou]/.test(t) ? "an" : "a"} ${t}`).join(" or ");
            return new InputError(place, `invalid type ${got}: expected ${expected}`);
        }
        case "minimum":
        case "maximum":
        case "exclusiveMinimum":
        case "exclusiveMaximum":
            return new InputError(place, `invalid value ${got}: expected a number ${String(error.message).replace(/^must be /, "")}`);
        case "required":
            return new InputError(`${place}.${String(params.missingProperty)}`, "missing: the policy requires it");
        default:
            return new InputError(place, `invalid value ${got}: ${error.message ?? "does not match the policy's config schema"}`);
    }
}
