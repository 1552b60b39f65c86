import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { Allocation, NodeUsage, summarizeNode } from "../model/capacity";
import { DOCKER_HOST_PATTERN } from "../model/labels";
import { InputError } from "../model/units";
import type { NodeSpec, ServiceSpec } from "../stacks/schema";
import { MigrationsConfig, declareMigrations } from "./migrations";
import { Service } from "./service";

export interface NodeArgs {
    /** The node's hardware from the catalog. */
    node: NodeSpec;
    /** Plan being deployed, written to each container's `bev.plan` label. */
    plan: string;
    /** The services placed on this node; each one's `node` must be this node. */
    services: ServiceSpec[];
    /** Docker daemon of the node, such as `ssh://bev@thanos` or `unix:///var/run/docker.sock`. */
    dockerHost: string;
    /** Services to move onto this node before their containers are declared (`bev:migrations`). */
    migrations?: MigrationsConfig;
}

/** Capacity summary of a node as exported by the stack: allocated, capacity and percent per dimension. */
export interface CapacitySummary {
    node: string;
    containers: number;
    memory: { allocatedMiB: number; capacityMiB: number; percent: number };
    cpu: { allocatedMillicores: number; capacityMillicores: number; percent: number };
    vram: { device: string; label: string; allocatedMiB: number; capacityMiB: number; percent: number }[];
}

/**
 * One physical node: its Docker provider, its network and its services.
 */
export class Node extends pulumi.ComponentResource {
    readonly provider: docker.Provider;
    readonly network: docker.Network;
    readonly services: Service[];
    /** Migration commands by the name of the service they move onto this node. */
    readonly migrations: Map<string, command.local.Command>;
    /** Capacity summary computed from the services' limits. */
    readonly capacity: CapacitySummary;

    constructor(name: string, args: NodeArgs, opts?: pulumi.ComponentResourceOptions) {
        validateNodeArgs(name, args);
        super("bev:platform:Node", name, {}, opts);

        this.provider = new docker.Provider(`${name}-docker`, { host: args.dockerHost }, { parent: this });
        const childOptions = { parent: this, provider: this.provider };

        this.network = new docker.Network(`${name}-network`, { name: `bev-${name}`, driver: "bridge" }, childOptions);

        this.migrations =
            args.migrations === undefined
                ? new Map()
                : declareMigrations(args.node.name, args.dockerHost, args.migrations, [this.network], { parent: this });

        this.services = args.services.map(
            (service) =>
                new Service(
                    service.name,
                    {
                        node: args.node.name,
                        plan: args.plan,
                        image: service.image,
                        memoryMiB: service.memoryMiB,
                        ...(service.memoryReservationMiB === undefined ? {} : { memoryReservationMiB: service.memoryReservationMiB }),
                        cpuMillicores: service.cpuMillicores,
                        ...(service.gpu === undefined
                            ? {}
                            : {
                                  gpu:
                                      service.gpu.count === undefined
                                          ? { deviceIds: service.gpu.deviceIds, vramMiB: service.gpu.vramMiB }
                                          : { count: service.gpu.count, devices: service.gpu.deviceIds, vramMiB: service.gpu.vramMiB },
                              }),
                        networkName: this.network.name,
                        ...(service.volumes === undefined ? {} : { volumes: service.volumes }),
                    },
                    {
                        parent: this,
                        providers: { docker: this.provider },
                        ...(this.migrations.has(service.name) ? { dependsOn: [this.migrations.get(service.name)!] } : {}),
                    },
                ),
        );

        this.capacity = toCapacitySummary(summarizeNode(args.node, args.services.map(toAllocation)));
        this.registerOutputs({ capacity: this.capacity });
    }
}

function toAllocation(service: ServiceSpec): Allocation {
    const vramMiB: Record<string, number> = {};
    for (const id of service.gpu?.deviceIds ?? []) {
        vramMiB[id] = service.gpu!.vramMiB;
    }
    return { urn: service.name, service: service.name, memoryMiB: service.memoryMiB, cpuMillicores: service.cpuMillicores, vramMiB };
}

function toCapacitySummary(usage: NodeUsage): CapacitySummary {
    return {
        node: usage.node,
        containers: usage.containers,
        memory: { allocatedMiB: usage.memory.requested, capacityMiB: usage.memory.capacity, percent: usage.memory.percent },
        cpu: { allocatedMillicores: usage.cpu.requested, capacityMillicores: usage.cpu.capacity, percent: usage.cpu.percent },
        vram: usage.vram.map((d) => ({
            device: d.device as string,
            label: d.label,
            allocatedMiB: d.requested,
            capacityMiB: d.capacity,
            percent: d.percent,
        })),
    };
}

function validateNodeArgs(name: string, args: NodeArgs): void {
    const where = (field: string) => `Node "${name}": \`${field}\``;
    if (typeof args.dockerHost !== "string" || !DOCKER_HOST_PATTERN.test(args.dockerHost)) {
        throw new InputError(
            where("dockerHost"),
            `invalid Docker host ${JSON.stringify(args.dockerHost)}: expected unix://, tcp://, ssh:// or npipe:// followed by ` +
                "an address, such as ssh://bev@thanos; set it with `pulumi config set bev:dockerHost`",
        );
    }
    const seen = new Set<string>();
    for (const service of args.services) {
        if (service.node !== args.node.name) {
            throw new InputError(
                where("services"),
                `service "${service.name}" is placed on node "${service.node}", not "${args.node.name}": ` +
                    "pass only the services of this node",
            );
        }
        if (seen.has(service.name)) {
            throw new InputError(where("services"), `duplicate service "${service.name}": container names are unique per node`);
        }
        seen.add(service.name);
    }
}
