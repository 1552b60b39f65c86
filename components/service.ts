import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { NODE_LABEL, PLAN_LABEL, SERVICE_LABEL, vramLabel } from "../model/labels";
import { InputError, toDockerCpus } from "../model/units";

/** GPU request of a service. `deviceIds` and `count` exclude each other. */
export interface ServiceGpuArgs {
    /** NVIDIA device ids the container gets, such as `["0"]`. */
    deviceIds?: string[];
    /** Number of devices, or -1 for all; the VRAM budget then counts on every device of `devices`. */
    count?: number;
    /** Device ids of the node that the budget is counted on when `count` is set. */
    devices?: string[];
    /** VRAM budget per device in MiB. Docker cannot limit VRAM, so this is a budget, not a limit. */
    vramMiB: number;
}

export interface ServiceArgs {
    /** Node the container runs on; written to the `bev.node` label that the policy pack reads. */
    node: string;
    /** Plan the service belongs to, written to the `bev.plan` label. */
    plan: string;
    /** Image reference, pinned by tag or digest. */
    image: pulumi.Input<string>;
    /** Memory limit in MiB (`docker.Container.memory`, which the provider documents as "MB"). */
    memoryMiB: number;
    /** Soft limit in MiB that Docker reclaims towards under memory pressure. Default: half of `memoryMiB`. */
    memoryReservationMiB?: number;
    /** CPU limit in millicores; becomes `cpus` (1500 is `"1.5"`). `cpuShares` is only a weight, never a limit. */
    cpuMillicores: number;
    /** GPU request; absent for services without a GPU. */
    gpu?: ServiceGpuArgs;
    /** Name of the Docker network the container joins besides the default bridge. */
    networkName: pulumi.Input<string>;
    /** Named volumes with the service's state and their mount paths; Docker creates a missing volume. */
    volumes?: { name: string; path: string }[];
    /** Docker restart policy. Default: `unless-stopped`. */
    restart?: "no" | "on-failure" | "always" | "unless-stopped";
}

/**
 * One service of the platform: a Docker container with its memory, CPU and GPU budget.
 *
 * The container has a fixed name and may hold a GPU, so it is replaced delete-first: a
 * create-first replacement would hold the name, the memory and the card twice for a moment.
 */
export class Service extends pulumi.ComponentResource {
    readonly container: docker.Container;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        validateServiceArgs(name, args);
        super("bev:platform:Service", name, {}, opts);

        const labels: Record<string, string> = {
            [NODE_LABEL]: args.node,
            [SERVICE_LABEL]: name,
            [PLAN_LABEL]: args.plan,
        };
        const deviceRequests: docker.types.input.ContainerDeviceRequest[] = [];
        if (args.gpu !== undefined) {
            const devices = args.gpu.deviceIds ?? args.gpu.devices ?? [];
            for (const id of devices) {
                labels[vramLabel(id)] = String(args.gpu.vramMiB);
            }
            deviceRequests.push(
                args.gpu.deviceIds !== undefined
                    ? { driver: "nvidia", deviceIds: args.gpu.deviceIds, capabilities: ["gpu"] }
                    : { driver: "nvidia", count: args.gpu.count, capabilities: ["gpu"] },
            );
        }

        this.container = new docker.Container(
            name,
            {
                name,
                image: args.image,
                memory: args.memoryMiB,
                memoryReservation: args.memoryReservationMiB ?? Math.floor(args.memoryMiB / 2),
                // Equal to `memory`, so the container cannot grow past its limit into swap.
                memorySwap: args.memoryMiB,
                cpus: toDockerCpus(args.cpuMillicores),
                ...(deviceRequests.length > 0 ? { deviceRequests } : {}),
                // Set explicitly: left unset, the provider reads back "bridge" and shows a diff on every run.
                networkMode: "bridge",
                networksAdvanced: [{ name: args.networkName }],
                restart: args.restart ?? "unless-stopped",
                labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
                ...(args.volumes === undefined
                    ? {}
                    : { volumes: args.volumes.map((volume) => ({ volumeName: volume.name, containerPath: volume.path })) }),
            },
            // The component's dependencies, such as a migration command, must finish before the container is created.
            { parent: this, deleteBeforeReplace: true, ...(opts?.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }) },
        );

        this.registerOutputs({ container: this.container });
    }
}

function validateServiceArgs(name: string, args: ServiceArgs): void {
    const where = (field: string) => `Service "${name}": \`${field}\``;
    const positiveInteger = (value: unknown, field: string, unit: string, example: string) => {
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
            throw new InputError(
                where(field),
                `invalid value ${JSON.stringify(value)}: expected a whole number of ${unit} above 0, such as ${example}`,
            );
        }
    };
    if (typeof args.node !== "string" || args.node.length === 0) {
        throw new InputError(where("node"), `missing node: set the node the container runs on, such as "thanos"`);
    }
    positiveInteger(args.memoryMiB, "memoryMiB", "MiB", "4096 for 4 GiB");
    positiveInteger(args.cpuMillicores, "cpuMillicores", "millicores", "1500 for 1.5 cores");
    if (args.memoryReservationMiB !== undefined) {
        positiveInteger(args.memoryReservationMiB, "memoryReservationMiB", "MiB", "2048");
        if (args.memoryReservationMiB > args.memoryMiB) {
            throw new InputError(
                where("memoryReservationMiB"),
                `reservation ${args.memoryReservationMiB} MiB is above the limit \`memoryMiB\` ${args.memoryMiB} MiB; ` +
                    "Docker rejects it, so lower the reservation or raise the limit",
            );
        }
    }
    if (args.gpu !== undefined) {
        positiveInteger(args.gpu.vramMiB, "gpu.vramMiB", "MiB", "1536");
        const hasIds = args.gpu.deviceIds !== undefined;
        const hasCount = args.gpu.count !== undefined;
        if (hasIds === hasCount) {
            throw new InputError(
                where("gpu"),
                "set either `deviceIds` or `count`: Docker rejects both, and a request with neither gives no GPU",
            );
        }
        if (hasIds && args.gpu.deviceIds!.length === 0) {
            throw new InputError(where("gpu.deviceIds"), "empty list: name at least one device id, such as [\"0\"]");
        }
        if (hasCount && (args.gpu.devices === undefined || args.gpu.devices.length === 0)) {
            throw new InputError(
                where("gpu.devices"),
                "missing: with `count`, list the node's device ids so the VRAM budget is counted on them",
            );
        }
    }
}
