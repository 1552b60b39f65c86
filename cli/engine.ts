/**
 * Runs the Pulumi program without the Pulumi CLI. A resource monitor in this process records
 * each `RegisterResourceRequest` as the engine would receive it. It responds the way a preview
 * of new resources does, with the inputs as outputs and no ids.
 *
 * The recorded requests keep their protobuf Structs, so unknown values (Pulumi's unknown
 * sentinel) and secrets reach the policy pack exactly as the engine marshals them.
 */
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

/** One registered resource, with what the engine keeps of it for policy analysis. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    /** Inputs as the SDK serialized them; during preview they are also the outputs. */
    inputs: structproto.Struct;
    /** Provider reference `<urn>::<id>`, empty for components and default providers. */
    provider: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    aliases: string[];
    customTimeouts?: { create: number; update: number; delete: number };
}

type Callback<T> = (error: Error | null, response?: T) => void;

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** A resource monitor that records registrations instead of sending them to providers. */
class RecordingMonitor {
    readonly resources = new Map<string, RecordedResource>();

    constructor(
        private readonly project: string,
        private readonly stack: string,
        private readonly preview: boolean,
    ) {}

    /** Builds a URN the way the engine does: the parent's qualified type, `$`, the type. */
    private urnFor(parent: string, type: string, name: string): string {
        let qualifiedType = type;
        if (parent !== "") {
            const parentType = parent.split("::")[2];
            if (parentType !== ROOT_STACK_TYPE) {
                qualifiedType = `${parentType}$${type}`;
            }
        }
        return `urn:pulumi:${this.stack}::${this.project}::${qualifiedType}::${name}`;
    }

    registerResource(req: resproto.RegisterResourceRequest, callback: Callback<resproto.RegisterResourceResponse>): void {
        try {
            const urn = this.urnFor(req.getParent(), req.getType(), req.getName());
            if (this.resources.has(urn)) {
                throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
            }
            const inputs = req.getObject() ?? new structproto.Struct();
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps, key) => {
                propertyDependencies[key] = deps.getUrnsList();
            });
            const timeouts = req.getCustomtimeouts();
            this.resources.set(urn, {
                urn,
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: req.getParent(),
                inputs,
                provider: req.getProvider(),
                dependencies: req.getDependenciesList(),
                propertyDependencies,
                protect: req.getProtect() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace(),
                ignoreChanges: req.getIgnorechangesList(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                aliases: req.getAliasurnsList(),
                ...(timeouts === undefined ? {} : { customTimeouts: parseTimeouts(timeouts) }),
            });
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            // A preview has no ids yet. An update gets a stable stand-in id so that dependants resolve.
            response.setId(req.getCustom() && !this.preview ? `${req.getName()}-id` : "");
            response.setObject(inputs);
            // The engine replies over gRPC, so the program continues in a later turn of the event
            // loop. This also lets other I/O of this process through, such as the policy pack's replies.
            setImmediate(callback, null, response);
        } catch (error) {
            setImmediate(callback, error as Error);
        }
    }

    registerResourceOutputs(_req: unknown, callback: Callback<unknown>): void {
        callback(null, {});
    }

    readResource(req: resproto.ReadResourceRequest, callback: Callback<unknown>): void {
        callback(new Error(`Reading existing resources needs a deployed stack; ${req.getType()} '${req.getName()}' cannot be read offline`));
    }

    invoke(req: { getTok(): string }, callback: Callback<unknown>): void {
        callback(new Error(`Provider function ${req.getTok()} needs the provider plugin, which the offline check does not run`));
    }

    supportsFeature(req: { getId(): string }, callback: Callback<{ getHassupport(): boolean }>): void {
        // Without output values and resource references the SDK sends unknowns as Pulumi's unknown
        // sentinel and resources as their ids, the form in which the engine passes them to analyzers.
        const unsupported = new Set(["outputValues", "resourceReferences", "transforms", "invokeTransforms"]);
        callback(null, { getHassupport: () => !unsupported.has(req.getId()) });
    }

    registerPackage(_req: unknown, callback: Callback<resproto.RegisterPackageResponse>): void {
        const response = new resproto.RegisterPackageResponse();
        response.setRef("offline-package");
        callback(null, response);
    }
}

function parseTimeouts(timeouts: resproto.RegisterResourceRequest.CustomTimeouts): { create: number; update: number; delete: number } {
    const seconds = (text: string) => (text === "" ? 0 : Number.parseFloat(text));
    return { create: seconds(timeouts.getCreate()), update: seconds(timeouts.getUpdate()), delete: seconds(timeouts.getDelete()) };
}

export interface ProgramRun {
    project: string;
    stack: string;
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
}

export interface RunProgramOptions {
    /** Compiled program entry point, such as `dist/index.js`. */
    program: string;
    project: string;
    stack: string;
    /** Stack config with namespaced keys, such as `{ "bev:node": "thanos" }`. */
    config: Record<string, string>;
    /** Run as `pulumi preview` (true) or as `pulumi up` (false). */
    preview: boolean;
}

/**
 * Runs `init` as the body of a Pulumi stack with the recording monitor and returns the resources
 * it registered, the Stack resource included. Runs happen one after another in one process; each
 * starts from fresh runtime settings.
 */
export async function recordStack(
    init: () => Promise<unknown>,
    options: { project: string; stack: string; config?: Record<string, string>; preview: boolean },
): Promise<ProgramRun> {
    const monitor = new RecordingMonitor(options.project, options.stack, options.preview);
    pulumi.runtime.setMockOptions(monitor, options.project, options.stack, options.preview);
    pulumi.runtime.setAllConfig(options.config ?? {});
    // The SDK records a stack trace on every promise it makes, read only for the report that
    // PULUMI_DEBUG_PROMISE_LEAKS turns on. Capturing and formatting them is over half the time of
    // a run, so unless that variable is set, errors made during the run carry no stack frames.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
        Error.stackTraceLimit = 0;
    }
    let outputs: unknown;
    try {
        outputs = await pulumi.runtime.runInPulumiStack(init);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
    await pulumi.runtime.disconnect();
    return {
        project: options.project,
        stack: options.stack,
        resources: [...monitor.resources.values()],
        outputs: (outputs ?? {}) as Record<string, unknown>,
    };
}

/** Runs the compiled program once for one stack, as the language host does, and records its resources. */
export async function runProgram(options: RunProgramOptions): Promise<ProgramRun> {
    const program = path.resolve(options.program);
    // The program declares its resources when loaded, so each stack loads it anew.
    delete require.cache[require.resolve(program)];
    return recordStack(async () => require(program), options);
}
