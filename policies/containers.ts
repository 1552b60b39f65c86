/**
 * Reads the Docker containers of a stack from the resource inputs the engine sends, so a
 * container written by hand is judged like one from the components.
 *
 * Every read goes through `snapshot`, which turns an unknown preview value into a recorded
 * problem instead of the policy SDK's advisory "can't run policy" skip: a policy that cannot
 * decide fails closed.
 */
import type { PolicyResource } from "@pulumi/policy";
import * as proxy from "@pulumi/policy/proxy";

import type { Allocation } from "../model/capacity";
import { NODE_LABEL, SERVICE_LABEL, VRAM_LABEL_PREFIX } from "../model/labels";
import { InputError, parseCpuMillicores } from "../model/units";

export const CONTAINER_TYPE = "docker:index/container:Container";

/** One entry of a container's `deviceRequests`. */
export interface DeviceRequest {
    driver?: string;
    count?: number;
    deviceIds?: string[];
    capabilities?: string[];
}

/** A property of a container that cannot be used, and the reason. */
export interface Problem {
    /** Input property, such as `memory` or `labels`. */
    property: string;
    kind: "unknown" | "missing" | "invalid";
    /** Whole sentence naming the container, the property and the fix. */
    message: string;
}

/** The limits, labels and GPU request of one container, as the policies use them. */
export interface ContainerReading {
    urn: string;
    /** Service label, or the resource name when the label is absent. */
    service: string;
    /** Node label; undefined when absent or unreadable. */
    node?: string;
    /** Memory limit in MiB; undefined when absent, unknown or invalid. */
    memoryMiB?: number;
    /** CPU limit in millicores; undefined when absent, unknown or invalid. */
    cpuMillicores?: number;
    /** Whether the container requests a GPU through `deviceRequests` or `gpus`. */
    requestsGpu: boolean;
    /** `deviceRequests` as given; empty when absent or unknown. */
    deviceRequests: DeviceRequest[];
    /** Docker's `--gpus` form (`all`, `device=0,2` or a count); undefined when absent or unknown. */
    gpus?: string;
    /** VRAM budget per GPU device id, in MiB, from the `bev.vram-mib.<id>` labels. */
    vramMiB: Record<string, number>;
    problems: Problem[];
}

/** Stands for a property whose value could not be read; the reason is among the problems. */
export const UNREADABLE = Symbol("unreadable");

/**
 * Returns a deep copy of one input property, or `UNREADABLE` after recording a "cannot verify"
 * problem when any value in it is unknown during preview. `what` names the resource in messages.
 */
export function readProperty(props: Record<string, unknown>, property: string, what: string, problems: Problem[]): unknown {
    try {
        const value = props[property];
        // A deep copy reads every nested value, so an unknown anywhere below surfaces here.
        return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    } catch (error) {
        const detail = (error as Error).message;
        problems.push({
            property,
            kind: "unknown",
            message:
                `${what}: cannot verify \`${property}\`, because its value is unknown during preview (${detail}). ` +
                `The policy fails closed: give \`${property}\` a value known before deployment, not an output of another resource.`,
        });
        return UNREADABLE;
    }
}

/** Names a container in messages: its resource name and URN. */
export function describeContainer(name: string, urn: string): string {
    return `Container ${name} (${urn})`;
}

/** Reads every container among the stack's resources. */
export function readContainers(resources: readonly PolicyResource[]): ContainerReading[] {
    return resources.filter((r) => r.type === CONTAINER_TYPE).map((r) => readContainer(r.urn, r.name, r.props));
}

/**
 * Readings by the properties object that the policy SDK's proxy wraps. Several policies receive
 * proxies over one object (see `secrets.ts`), so each container is read once per request.
 */
const readings = new WeakMap<object, { name: string; reading: ContainerReading }>();
// The key under which the SDK's property proxies return the object they wrap; untyped in its d.ts.
const proxyTargetKey = (proxy as unknown as { getSpecialProxyTarget?: unknown }).getSpecialProxyTarget;

/**
 * Reads one container's limits, labels and GPU request from its input properties. The reading is
 * frozen because policies share it when `props` is a policy SDK proxy.
 */
export function readContainer(urn: string, name: string, props: Record<string, unknown>): ContainerReading {
    // A plain object may be changed by its caller between calls, so only SDK proxies are cached.
    const target = typeof proxyTargetKey === "string" ? props[proxyTargetKey] : undefined;
    if (target === null || typeof target !== "object") {
        return parseContainer(urn, name, props);
    }
    const cached = readings.get(target);
    // Each resource has its own properties object, but the URN and name are checked anyway.
    if (cached !== undefined && cached.reading.urn === urn && cached.name === name) {
        return cached.reading;
    }
    const reading = deepFreeze(parseContainer(urn, name, props));
    readings.set(target, { name, reading });
    return reading;
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const item of Object.values(value)) {
            deepFreeze(item);
        }
    }
    return value;
}

function parseContainer(urn: string, name: string, props: Record<string, unknown>): ContainerReading {
    const problems: Problem[] = [];
    const what = describeContainer(name, urn);

    const snapshot = (property: string): unknown => readProperty(props, property, what, problems);

    const reading: ContainerReading = { urn, service: name, requestsGpu: false, deviceRequests: [], vramMiB: {}, problems };

    const labels = readLabels(snapshot("labels"), what, problems);
    if (labels !== undefined) {
        reading.service = labels.get(SERVICE_LABEL) ?? name;
        const node = labels.get(NODE_LABEL);
        if (node === undefined || node === "") {
            problems.push({
                property: "labels",
                kind: "missing",
                message:
                    `${what}: no \`${NODE_LABEL}\` label, so the container cannot be counted against any node. ` +
                    `Add the label with the node it runs on, such as { label: "${NODE_LABEL}", value: "thanos" }.`,
            });
        } else {
            reading.node = node;
        }
        for (const [key, value] of labels) {
            if (!key.startsWith(VRAM_LABEL_PREFIX)) {
                continue;
            }
            const device = key.slice(VRAM_LABEL_PREFIX.length);
            if (!/^\d+$/.test(device) || !/^[1-9]\d*$/.test(value)) {
                problems.push({
                    property: "labels",
                    kind: "invalid",
                    message:
                        `${what}: invalid VRAM label ${key}=${JSON.stringify(value)}: expected ${VRAM_LABEL_PREFIX}<device id> ` +
                        `with a whole number of MiB above 0, such as ${VRAM_LABEL_PREFIX}0=1536.`,
                });
                continue;
            }
            reading.vramMiB[device] = Number(value);
        }
    }

    const memory = snapshot("memory");
    if (memory === undefined) {
        problems.push({
            property: "memory",
            kind: "missing",
            message:
                `${what}: no memory limit, so it can take all of its node's memory. ` +
                "Set `memory` in MiB, such as memory: 4096 for 4 GiB.",
        });
    } else if (memory !== UNREADABLE) {
        if (typeof memory !== "number" || !Number.isSafeInteger(memory) || memory <= 0) {
            problems.push({
                property: "memory",
                kind: "invalid",
                message: `${what}: invalid memory limit ${JSON.stringify(memory)}: expected a whole number of MiB above 0.`,
            });
        } else {
            reading.memoryMiB = memory;
        }
    }

    const reservation = snapshot("memoryReservation");
    if (reservation !== undefined && reservation !== UNREADABLE) {
        if (typeof reservation !== "number" || !Number.isSafeInteger(reservation) || reservation < 0) {
            problems.push({
                property: "memoryReservation",
                kind: "invalid",
                message: `${what}: invalid memory reservation ${JSON.stringify(reservation)}: expected a whole number of MiB.`,
            });
        } else if (reading.memoryMiB !== undefined && reservation > reading.memoryMiB) {
            problems.push({
                property: "memoryReservation",
                kind: "invalid",
                message:
                    `${what}: memory reservation ${reservation} MiB is above the memory limit ${reading.memoryMiB} MiB, ` +
                    "which Docker rejects when it creates the container. Lower `memoryReservation` to the limit or below.",
            });
        }
    }

    const cpus = snapshot("cpus");
    if (cpus === undefined) {
        problems.push({
            property: "cpus",
            kind: "missing",
            message:
                `${what}: no CPU limit, so it can take all of its node's cores (\`cpuShares\` is only a relative weight). ` +
                'Set `cpus`, such as cpus: "1.5".',
        });
    } else if (cpus !== UNREADABLE) {
        try {
            reading.cpuMillicores = parseCpuMillicores(cpus, "cpus");
        } catch (error) {
            const detail = error instanceof InputError ? error.message : String(error);
            problems.push({ property: "cpus", kind: "invalid", message: `${what}: ${detail}.` });
        }
    }

    const deviceRequests = snapshot("deviceRequests");
    const gpus = snapshot("gpus");
    if (deviceRequests === UNREADABLE || gpus === UNREADABLE) {
        reading.requestsGpu = true;
    } else {
        if (Array.isArray(deviceRequests)) {
            reading.deviceRequests = deviceRequests as DeviceRequest[];
        }
        if (typeof gpus === "string" && gpus !== "") {
            reading.gpus = gpus;
        }
        reading.requestsGpu = reading.deviceRequests.length > 0 || reading.gpus !== undefined;
    }
    if (reading.requestsGpu && Object.keys(reading.vramMiB).length === 0 && labels !== undefined) {
        problems.push({
            property: "labels",
            kind: "missing",
            message:
                `${what}: requests a GPU but has no \`${VRAM_LABEL_PREFIX}<device id>\` label, so its VRAM cannot be counted. ` +
                `Docker cannot limit VRAM; add the budget per device, such as ${VRAM_LABEL_PREFIX}0=1536.`,
        });
    }

    return reading;
}

function readLabels(value: unknown, what: string, problems: Problem[]): Map<string, string> | undefined {
    if (value === UNREADABLE) {
        return undefined;
    }
    const labels = new Map<string, string>();
    if (value === undefined) {
        return labels;
    }
    if (!Array.isArray(value)) {
        problems.push({
            property: "labels",
            kind: "invalid",
            message: `${what}: invalid \`labels\`: expected a list of { label, value } entries.`,
        });
        return undefined;
    }
    for (const entry of value) {
        if (entry === null || typeof entry !== "object" || typeof entry.label !== "string" || typeof entry.value !== "string") {
            problems.push({
                property: "labels",
                kind: "invalid",
                message: `${what}: invalid label entry ${JSON.stringify(entry)}: expected { label: string, value: string }.`,
            });
            return undefined;
        }
        labels.set(entry.label, entry.value);
    }
    return labels;
}

/** Converts a reading into an allocation, counting what could not be read as zero. */
export function toAllocation(reading: ContainerReading): Allocation {
    return {
        urn: reading.urn,
        service: reading.service,
        memoryMiB: reading.memoryMiB ?? 0,
        cpuMillicores: reading.cpuMillicores ?? 0,
        vramMiB: reading.vramMiB,
    };
}
