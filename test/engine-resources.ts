/**
 * Builds resources the way the Pulumi engine sends them to an analyzer: protobuf Structs with
 * unknown values as Pulumi's unknown sentinel, options set, containers parented and provided.
 */
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

import type { RecordedResource } from "../cli/engine";

/** Returns a value marshalled as a Pulumi secret, the way the engine sends it to analyzers. */
export function secret(value: unknown): Record<string, unknown> {
    return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

/** The string the engine sends for a value that is unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const STACK = "test";
const PROJECT = "bev";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
const PROVIDER_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:providers:docker::thanos-docker`;

function resource(type: string, name: string, props: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
    return {
        urn: `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`,
        type,
        name,
        custom: type !== "pulumi:pulumi:Stack",
        parent: type === "pulumi:pulumi:Stack" ? "" : STACK_URN,
        inputs: structproto.Struct.fromJavaScript(props as Record<string, structproto.JavaScriptValue>),
        provider: "",
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
        aliases: [],
        ...extra,
    };
}

/** Returns the stack resource and the Docker provider that every container below uses. */
export function baseResources(): RecordedResource[] {
    return [
        resource("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`, {}),
        resource("pulumi:providers:docker", "thanos-docker", { host: "ssh://bev@thanos" }),
    ];
}

export interface ContainerSpec {
    node?: string;
    memory?: unknown;
    cpus?: unknown;
    vram?: Record<string, string>;
    gpu?: boolean;
    labels?: unknown;
    extra?: Record<string, unknown>;
    /** Resource options to override, such as `deleteBeforeReplace`. */
    options?: Partial<RecordedResource>;
}

/** Returns a Docker container with the inputs the components give it, or fewer when the spec omits them. */
export function container(name: string, spec: ContainerSpec): RecordedResource {
    const props: Record<string, unknown> = { name, image: "nginx:1.27.2", networkMode: "bridge", ...spec.extra };
    if (spec.memory !== undefined) {
        props.memory = spec.memory;
    }
    if (spec.cpus !== undefined) {
        props.cpus = spec.cpus;
    }
    if (spec.labels !== undefined) {
        props.labels = spec.labels;
    } else {
        const labels = [];
        if (spec.node !== undefined) {
            labels.push({ label: "bev.node", value: spec.node }, { label: "bev.service", value: name });
        }
        for (const [device, mib] of Object.entries(spec.vram ?? {})) {
            labels.push({ label: `bev.vram-mib.${device}`, value: mib });
        }
        props.labels = labels;
    }
    if (spec.gpu) {
        props.deviceRequests = [{ driver: "nvidia", deviceIds: Object.keys(spec.vram ?? { "0": "" }), capabilities: ["gpu"] }];
    }
    return resource("docker:index/container:Container", name, props, {
        provider: `${PROVIDER_URN}::${UNKNOWN}`,
        deleteBeforeReplace: true,
        ...spec.options,
    });
}
