/**
 * The inventory format and its validation.
 *
 * An inventory contains the hardware catalog (`nodes`) and one or more plans, each a list of
 * services placed on nodes. Sizes are Docker-style strings (`8g`, `1536m`) and CPU amounts are
 * cores. `parseInventory` checks the shape with zod, converts every amount to MiB or millicores
 * and checks what spans entries: unique names, known nodes, GPUs that exist, limits that a single
 * node can hold. Every error names the place, the value and what is accepted.
 */
import { z } from "zod";

import type { GpuCapacity, NodeCapacity } from "../model/capacity";
import { InputError, formatCores, formatGiB, parseCpuMillicores, parseSizeMiB } from "../model/units";

/** Smallest memory limit the Docker daemon accepts (6 MiB in Docker's Linux daemon). */
const DOCKER_MIN_MEMORY_MIB = 6;

/** Names Docker accepts for containers, kept to lower case so they also work as Pulumi names. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

const name = (what: string) =>
    z
        .string()
        .regex(NAME_PATTERN, `a ${what} name is lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`);

const size = z.union([z.string(), z.number()]);
const cpus = z.union([z.string(), z.number()]);

const gpuSchema = z.strictObject({
    id: z.string().regex(/^\d+$/, "a GPU id is the device index the NVIDIA runtime uses, such as \"0\""),
    model: z.string().min(1),
    vram: size,
});

const architecture = z.enum(["amd64", "arm64"]);

const nodeSchema = z.strictObject({
    memory: size,
    cpus,
    arch: architecture,
    gpus: z.array(gpuSchema).default([]),
});

const gpuRequestSchema = z
    .strictObject({
        deviceIds: z.array(z.string().min(1)).min(1).optional(),
        count: z.union([z.number().int(), z.literal("all")]).optional(),
        vram: size,
    })
    .refine((request) => (request.deviceIds === undefined) !== (request.count === undefined), {
        message: "set either `deviceIds` or `count`, not both and not neither: Docker rejects both, and neither gives no GPU",
    });

const volumeSchema = z.strictObject({
    name: name("volume"),
    path: z.string().regex(/^\/./, "a mount path is an absolute path inside the container, such as \"/data\""),
});

const serviceSchema = z.strictObject({
    name: name("service"),
    node: name("node"),
    image: z.string().min(1),
    memory: size,
    memoryReservation: size.optional(),
    cpus,
    gpu: gpuRequestSchema.optional(),
    platforms: z.array(architecture).min(1).optional(),
    pinned: z.boolean().optional(),
    volumes: z.array(volumeSchema).optional(),
    assumed: z.string().min(1).optional(),
});

const inventorySchema = z.strictObject({
    nodes: z.record(name("node"), nodeSchema).refine((nodes) => Object.keys(nodes).length > 0, "at least one node is required"),
    plans: z.record(name("plan"), z.array(serviceSchema)).refine((plans) => Object.keys(plans).length > 0, "at least one plan is required"),
});

/** An inventory as written, before units are resolved. */
export type RawInventory = z.input<typeof inventorySchema>;
export type RawService = z.input<typeof serviceSchema>;
export type RawNode = z.input<typeof nodeSchema>;
export type Architecture = z.output<typeof architecture>;

/** A node of the hardware catalog with its amounts resolved. */
export interface NodeSpec extends NodeCapacity {
    arch: Architecture;
}

/** A named Docker volume with a service's state, and where the container mounts it. */
export interface VolumeMount {
    name: string;
    path: string;
}

/** A service's GPU request and the VRAM budgeted on each device it gets. */
export interface GpuRequest {
    /** Device ids requested, or the devices a `count` resolves to on the service's node. */
    deviceIds: string[];
    /** `count` as written (-1 for all devices), or undefined when device ids were given. */
    count?: number;
    /** VRAM budget per device, in MiB. */
    vramMiB: number;
}

/** A service of a plan with its amounts resolved. */
export interface ServiceSpec {
    name: string;
    node: string;
    image: string;
    memoryMiB: number;
    memoryReservationMiB?: number;
    cpuMillicores: number;
    gpu?: GpuRequest;
    /**
     * CPU architectures the image is published for. When absent, only the architecture of the
     * node the service is placed on is known to work.
     */
    platforms?: Architecture[];
    /** True when the service must stay on its node, such as a database with local data. */
    pinned?: boolean;
    /** Named volumes with the service's state; a move backs them up and restores them. */
    volumes?: VolumeMount[];
    /** Reason the entry's figures are our assumption rather than the platform plan's. */
    assumed?: string;
}

export interface Inventory {
    /** Source of the inventory (file path or shipped module), for messages. */
    source: string;
    nodes: Record<string, NodeSpec>;
    plans: Record<string, ServiceSpec[]>;
}

/** Validates an inventory and resolves its units; throws `InputError` on the first problem found. */
export function parseInventory(raw: unknown, source: string): Inventory {
    const parsed = inventorySchema.safeParse(raw);
    if (!parsed.success) {
        throw zodToInputError(parsed.error, raw, source);
    }
    const nodes: Record<string, NodeSpec> = {};
    for (const [nodeName, node] of Object.entries(parsed.data.nodes)) {
        nodes[nodeName] = resolveNode(nodeName, node, `${source}: nodes.${nodeName}`);
    }
    const plans: Record<string, ServiceSpec[]> = {};
    for (const [planName, services] of Object.entries(parsed.data.plans)) {
        const seen = new Set<string>();
        plans[planName] = services.map((service, index) => {
            const where = `${source}: plans.${planName}[${index}]`;
            if (seen.has(service.name)) {
                throw new InputError(`${where}.name`, `duplicate service name "${service.name}": names are unique within a plan`);
            }
            seen.add(service.name);
            return resolveService(service, nodes, where);
        });
    }
    return { source, nodes, plans };
}

function resolveNode(nodeName: string, node: z.output<typeof nodeSchema>, where: string): NodeSpec {
    const gpuIds = new Set<string>();
    const gpus: GpuCapacity[] = node.gpus.map((gpu, index) => {
        if (gpuIds.has(gpu.id)) {
            throw new InputError(`${where}.gpus[${index}].id`, `duplicate GPU id "${gpu.id}"`);
        }
        gpuIds.add(gpu.id);
        return { id: gpu.id, model: gpu.model, vramMiB: parseSizeMiB(gpu.vram, `${where}.gpus[${index}].vram`) };
    });
    return {
        name: nodeName,
        memoryMiB: parseSizeMiB(node.memory, `${where}.memory`),
        cpuMillicores: parseCpuMillicores(node.cpus, `${where}.cpus`),
        arch: node.arch,
        gpus,
    };
}

function resolveService(service: z.output<typeof serviceSchema>, nodes: Record<string, NodeSpec>, where: string): ServiceSpec {
    const node = nodes[service.node];
    if (node === undefined) {
        throw new InputError(
            `${where}.node`,
            `unknown node "${service.node}" for service "${service.name}": expected one of ${Object.keys(nodes).join(", ")}`,
        );
    }
    const memoryMiB = parseSizeMiB(service.memory, `${where}.memory`);
    if (memoryMiB < DOCKER_MIN_MEMORY_MIB) {
        throw new InputError(
            `${where}.memory`,
            `memory limit ${JSON.stringify(service.memory)} of "${service.name}" is below Docker's minimum of ` +
                `${DOCKER_MIN_MEMORY_MIB} MiB, so the container would not be created: raise it to at least "${DOCKER_MIN_MEMORY_MIB}m"`,
        );
    }
    const cpuMillicores = parseCpuMillicores(service.cpus, `${where}.cpus`);
    if (cpuMillicores > node.cpuMillicores) {
        throw new InputError(
            `${where}.cpus`,
            `CPU limit ${formatCores(cpuMillicores)} of "${service.name}" is above the ${formatCores(node.cpuMillicores)} cores ` +
                `of node ${node.name}; Docker refuses to start such a container`,
        );
    }
    if (memoryMiB > node.memoryMiB) {
        throw new InputError(
            `${where}.memory`,
            `memory limit ${JSON.stringify(service.memory)} of "${service.name}" is above the ${formatGiB(node.memoryMiB)} GiB ` +
                `of node ${node.name}`,
        );
    }
    const spec: ServiceSpec = { name: service.name, node: service.node, image: service.image, memoryMiB, cpuMillicores };
    if (service.memoryReservation !== undefined) {
        const reservation = parseSizeMiB(service.memoryReservation, `${where}.memoryReservation`);
        if (reservation > memoryMiB) {
            throw new InputError(
                `${where}.memoryReservation`,
                `memory reservation ${JSON.stringify(service.memoryReservation)} is above the memory limit ` +
                    `${JSON.stringify(service.memory)}; Docker rejects it, so lower the reservation`,
            );
        }
        spec.memoryReservationMiB = reservation;
    }
    if (service.gpu !== undefined) {
        spec.gpu = resolveGpuRequest(service.name, service.gpu, node, `${where}.gpu`);
    }
    if (service.platforms !== undefined) {
        if (!service.platforms.includes(node.arch)) {
            throw new InputError(
                `${where}.platforms`,
                `image ${service.image} of "${service.name}" is published for ${service.platforms.join(", ")}, ` +
                    `not for node ${node.name} (${node.arch}): place it on a node of a listed architecture`,
            );
        }
        spec.platforms = [...new Set(service.platforms)];
    }
    if (service.pinned !== undefined) {
        spec.pinned = service.pinned;
    }
    if (service.volumes !== undefined) {
        const names = new Set<string>();
        service.volumes.forEach((volume, index) => {
            if (names.has(volume.name)) {
                throw new InputError(`${where}.volumes[${index}].name`, `duplicate volume "${volume.name}" in service "${service.name}"`);
            }
            names.add(volume.name);
        });
        spec.volumes = service.volumes.map((volume) => ({ ...volume }));
    }
    if (service.assumed !== undefined) {
        spec.assumed = service.assumed;
    }
    return spec;
}

function resolveGpuRequest(
    serviceName: string,
    request: z.output<typeof gpuRequestSchema>,
    node: NodeSpec,
    where: string,
): GpuRequest {
    if (node.gpus.length === 0) {
        throw new InputError(
            where,
            `service "${serviceName}" requests a GPU but node ${node.name} has none; the container would fail to start`,
        );
    }
    const vramMiB = parseSizeMiB(request.vram, `${where}.vram`);
    let deviceIds: string[];
    let count: number | undefined;
    if (request.deviceIds !== undefined) {
        const known = new Set(node.gpus.map((g) => g.id));
        const missing = request.deviceIds.filter((id) => !known.has(id));
        if (missing.length > 0) {
            throw new InputError(
                `${where}.deviceIds`,
                `GPU ${missing.map((id) => `"${id}"`).join(", ")} not found on node ${node.name}: ` +
                    `expected one of ${[...known].map((id) => `"${id}"`).join(", ")}`,
            );
        }
        deviceIds = [...new Set(request.deviceIds)];
    } else {
        count = request.count === "all" ? -1 : (request.count as number);
        if (count === -1) {
            deviceIds = node.gpus.map((g) => g.id);
        } else if (count < 1) {
            throw new InputError(`${where}.count`, `invalid GPU count ${count}: expected 1 or more, or "all"`);
        } else if (count > node.gpus.length) {
            throw new InputError(
                `${where}.count`,
                `GPU count ${count} is more than the ${node.gpus.length} GPU(s) of node ${node.name}; the container would fail to start`,
            );
        } else if (count < node.gpus.length) {
            throw new InputError(
                `${where}.count`,
                `GPU count ${count} on node ${node.name} with ${node.gpus.length} GPUs leaves the card to the runtime, ` +
                    `so its VRAM budget cannot be counted on the right card: set \`deviceIds\` instead`,
            );
        } else {
            deviceIds = node.gpus.map((g) => g.id);
        }
    }
    for (const id of deviceIds) {
        const gpu = node.gpus.find((g) => g.id === id) as GpuCapacity;
        if (vramMiB > gpu.vramMiB) {
            throw new InputError(
                `${where}.vram`,
                `VRAM budget ${JSON.stringify(request.vram)} of "${serviceName}" is above the ${formatGiB(gpu.vramMiB)} GiB ` +
                    `of GPU ${id} (${gpu.model}) on node ${node.name}`,
            );
        }
    }
    return count === undefined ? { deviceIds, vramMiB } : { deviceIds, count, vramMiB };
}

/** Accepted forms of the fields whose schema alone gives no readable description. */
const ACCEPTED: Record<string, string> = {
    memory: 'a Docker size such as "512m" or "4g"',
    memoryReservation: 'a Docker size such as "512m" or "4g"',
    vram: 'a Docker size such as "1536m" or "6g"',
    cpus: 'a number of cores such as 0.5, 2 or "1.25"',
    count: 'a whole number of GPUs or "all"',
};

const TYPE_NAMES: Record<string, string> = {
    string: "a string",
    number: "a number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
    record: "a mapping",
};

/** Lists the keys the object schema at `path` accepts, for "unknown key" messages. */
function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
    let current = schema as unknown as { _zod: { def: Record<string, unknown> } };
    for (const key of [...path, undefined]) {
        let def = current._zod.def;
        while (def.type === "optional" || def.type === "default") {
            current = def.innerType as typeof current;
            def = current._zod.def;
        }
        if (key === undefined) {
            return def.type === "object" ? Object.keys(def.shape as object) : [];
        }
        let next: unknown;
        if (def.type === "object") {
            next = (def.shape as Record<string, unknown>)[String(key)];
        } else if (def.type === "record") {
            next = def.valueType;
        } else if (def.type === "array") {
            next = def.element;
        }
        if (next === undefined) {
            return [];
        }
        current = next as typeof current;
    }
    return [];
}

function zodToInputError(error: z.ZodError, raw: unknown, source: string): InputError {
    // A misspelt key shows up as a missing key and an unknown one, and only the unknown one names the typo.
    const issue = error.issues.find((candidate) => candidate.code === "unrecognized_keys") ?? error.issues[0];
    const formatPath = (keys: PropertyKey[]) =>
        keys.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`)).join("");
    let value: unknown = raw;
    for (const key of issue.path) {
        value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    }
    const field = String(issue.path.filter((key) => typeof key === "string").at(-1) ?? "");
    const got = value === undefined ? "" : ` ${JSON.stringify(value)}`;
    const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
    const at = (keys: PropertyKey[]) => `${source}: ${formatPath(keys) || "(top level)"}`;

    let where = at(issue.path);
    let message: string;
    if (issue.code === "unrecognized_keys") {
        const known = keysAt(inventorySchema, issue.path);
        where = at([...issue.path, issue.keys[0]]);
        message = `unknown key "${issue.keys[0]}": expected ${known.length > 0 ? `one of ${known.join(", ")}` : "no other keys"}`;
    } else if ((issue.code === "invalid_type" || issue.code === "invalid_union") && value === undefined) {
        const expected = ACCEPTED[field] ?? (issue.code === "invalid_type" ? TYPE_NAMES[issue.expected] : undefined);
        message = `missing${expected === undefined ? "" : `: expected ${expected}`}`;
    } else if (issue.code === "invalid_type") {
        message = `invalid value${got}: expected ${ACCEPTED[field] ?? TYPE_NAMES[issue.expected] ?? issue.expected}`;
    } else if (issue.code === "invalid_union") {
        message = `invalid value${got}: expected ${ACCEPTED[field] ?? "one of the accepted forms"}`;
    } else if (issue.code === "invalid_value") {
        message = `invalid value${got}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    } else if (issue.code === "too_small" && issue.origin === "string") {
        message = "empty: expected a non-empty string";
    } else if (issue.code === "too_small" && issue.origin === "array") {
        message = `empty list: expected at least ${String(issue.minimum)} entry`;
    } else {
        message = `${issue.message}${value === undefined ? "" : ` (got${got})`}`;
    }
    return new InputError(where, `${message}${more}`);
}
