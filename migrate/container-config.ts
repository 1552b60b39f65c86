/**
 * The configuration a moved container is created with on the target node, derived from the
 * source container's inspect JSON.
 */
import type Docker from "dockerode";

import { NODE_LABEL } from "../model/labels";

/** Label on containers and volumes that the runbook created on a target: the node they came from. */
export const MIGRATED_FROM_LABEL = "bev.migrated-from";

/** Network modes every daemon has; other names are user-defined networks. */
const BUILT_IN_NETWORKS = new Set(["default", "bridge", "host", "none"]);

/** Limits that replace the source container's on the target, such as the rebalanced plan's. */
export interface LimitOverrides {
    /** Memory limit in bytes; the swap limit follows it when the source had no swap. */
    memoryBytes?: number;
    /** CPU limit in units of 10^-9 CPUs (Docker's `NanoCpus`). */
    nanoCpus?: number;
}

/** A named volume of the source container and where it is mounted. */
export interface VolumeMountInfo {
    name: string;
    destination: string;
    readOnly: boolean;
}

/** Returns the container name without Docker's leading slash. */
export function containerName(info: Docker.ContainerInspectInfo): string {
    return info.Name.replace(/^\//, "");
}

/** Returns the named volumes the container mounts. Bind mounts are reported by `bindMounts`. */
export function volumeMounts(info: Docker.ContainerInspectInfo): VolumeMountInfo[] {
    return info.Mounts.filter((mount) => mount.Type === "volume" && mount.Name !== undefined).map((mount) => ({
        name: mount.Name as string,
        destination: mount.Destination,
        readOnly: !mount.RW,
    }));
}

/** Returns the host paths of the container's bind mounts, which cannot move to another node. */
export function bindMounts(info: Docker.ContainerInspectInfo): string[] {
    return info.Mounts.filter((mount) => mount.Type === "bind").map((mount) => `${mount.Source}:${mount.Destination}`);
}

/** Returns the user-defined networks the container is attached to, by name. */
export function userNetworks(info: Docker.ContainerInspectInfo): string[] {
    const names = new Set(Object.keys(info.NetworkSettings?.Networks ?? {}));
    const mode = info.HostConfig.NetworkMode;
    if (mode !== undefined && !BUILT_IN_NETWORKS.has(mode) && !mode.startsWith("container:")) {
        names.add(mode);
    }
    return [...names].filter((name) => !BUILT_IN_NETWORKS.has(name)).sort();
}

const COPIED_HOST_CONFIG: (keyof Docker.HostConfig)[] = [
    "Memory", "MemoryReservation", "MemorySwap", "MemorySwappiness", "NanoCpus", "CpuShares", "CpuPeriod", "CpuQuota",
    "CpusetCpus", "CpusetMems", "PidsLimit", "ShmSize", "OomKillDisable", "OomScoreAdj", "Ulimits", "RestartPolicy",
    "DeviceRequests", "Devices", "CapAdd", "CapDrop", "Privileged", "ReadonlyRootfs", "SecurityOpt", "Tmpfs", "Sysctls",
    "Init", "LogConfig", "PortBindings", "PublishAllPorts", "ExtraHosts", "Dns", "DnsOptions", "DnsSearch", "GroupAdd",
    "IpcMode", "PidMode", "UTSMode", "Runtime", "BlkioWeight",
];

/**
 * Builds the create options of the moved container: image, command, entrypoint, environment,
 * user, working directory, health check, stop signal and timeout, and the host configuration's
 * limits, restart policy, devices, capabilities, logging and ports as the source has them. The
 * labels are the source's with `bev.node` set to the target node (the policy pack counts a
 * container against the node in that label) and `bev.migrated-from` added. Named volumes are
 * mounted at the same paths. User-defined networks are renamed through `networkMap`; the first
 * is joined at creation and the rest are returned in `connectAfterCreate`.
 */
export function targetCreateOptions(
    info: Docker.ContainerInspectInfo,
    move: { from: string; to: string },
    networkMap: Record<string, string>,
    limits: LimitOverrides = {},
): { options: Docker.ContainerCreateOptions; connectAfterCreate: string[] } {
    const config = info.Config as Docker.ContainerInspectInfo["Config"] & { StopSignal?: string; StopTimeout?: number };
    const labels: Record<string, string> = { ...(config.Labels ?? {}), [MIGRATED_FROM_LABEL]: move.from };
    if (labels[NODE_LABEL] !== undefined) {
        labels[NODE_LABEL] = move.to;
    }

    const hostConfig: Record<string, unknown> = {};
    const source = info.HostConfig as Record<string, unknown>;
    for (const key of COPIED_HOST_CONFIG) {
        if (source[key] !== undefined && source[key] !== null) {
            hostConfig[key] = source[key];
        }
    }
    applyLimits(hostConfig, limits);
    hostConfig.Mounts = volumeMounts(info).map((mount) => ({
        Type: "volume",
        Source: mount.name,
        Target: mount.destination,
        ReadOnly: mount.readOnly,
    }));

    const networks = userNetworks(info).map((name) => networkMap[name] ?? name);
    const mode = info.HostConfig.NetworkMode ?? "default";
    hostConfig.NetworkMode = BUILT_IN_NETWORKS.has(mode) ? mode : networks[0];

    const options: Docker.ContainerCreateOptions = {
        name: containerName(info),
        Image: config.Image,
        Env: config.Env ?? [],
        Labels: labels,
        Tty: config.Tty,
        OpenStdin: config.OpenStdin,
        ...(config.Cmd === null || config.Cmd === undefined ? {} : { Cmd: config.Cmd }),
        ...(config.Entrypoint === null || config.Entrypoint === undefined ? {} : { Entrypoint: config.Entrypoint }),
        ...(config.User ? { User: config.User } : {}),
        ...(config.WorkingDir ? { WorkingDir: config.WorkingDir } : {}),
        ...(config.ExposedPorts ? { ExposedPorts: config.ExposedPorts } : {}),
        ...(config.Healthcheck ? { Healthcheck: config.Healthcheck } : {}),
        ...(config.StopSignal ? { StopSignal: config.StopSignal } : {}),
        ...(config.StopTimeout === undefined ? {} : { StopTimeout: config.StopTimeout }),
        HostConfig: hostConfig as Docker.HostConfig,
    };
    const first = BUILT_IN_NETWORKS.has(mode) ? undefined : networks[0];
    if (first !== undefined) {
        options.NetworkingConfig = { EndpointsConfig: { [first]: {} } };
    }
    return { options, connectAfterCreate: networks.filter((name) => name !== first) };
}

function applyLimits(hostConfig: Record<string, unknown>, limits: LimitOverrides): void {
    if (limits.memoryBytes !== undefined) {
        const oldMemory = hostConfig.Memory as number | undefined;
        const oldSwap = hostConfig.MemorySwap as number | undefined;
        hostConfig.Memory = limits.memoryBytes;
        // A swap limit equal to the memory limit means "no swap"; keep that meaning.
        if (oldSwap === undefined || oldSwap === 0 || oldSwap === oldMemory) {
            hostConfig.MemorySwap = limits.memoryBytes;
        }
        const reservation = hostConfig.MemoryReservation as number | undefined;
        if (reservation !== undefined && reservation > limits.memoryBytes) {
            hostConfig.MemoryReservation = limits.memoryBytes;
        }
    }
    if (limits.nanoCpus !== undefined) {
        hostConfig.NanoCpus = limits.nanoCpus;
        delete hostConfig.CpuQuota;
        delete hostConfig.CpuPeriod;
    }
}
