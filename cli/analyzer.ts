/**
 * Starts a CrossGuard policy pack the way the Pulumi CLI does and talks to it over Pulumi's
 * analyzer protocol: GetAnalyzerInfo, Configure, ConfigureStack, Analyze and AnalyzeStack.
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

import type { RecordedResource } from "./engine";
import { LaunchedPack, launchCompiledPack, launchPack, stopPack } from "./pack-launch";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** A policy violation as the analyzer reports it. */
export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    /** URN of the offending resource; empty for stack-level violations. */
    urn: string;
}

/** A policy as GetAnalyzerInfo describes it. */
export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** JSON Schema of the policy's config properties. */
    configSchema?: { properties: Record<string, unknown>; required: string[] };
}

export interface AnalyzerInfo {
    name: string;
    version: string;
    policies: PolicyInfo[];
}

/** Policy config by policy name, as in a `--policy-pack-config` file. */
export type PolicyPackConfig = Record<string, { enforcementLevel?: EnforcementLevel } & Record<string, unknown>>;

const LEVELS: Record<number, EnforcementLevel> = {
    [analyzerproto.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerproto.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerproto.EnforcementLevel.DISABLED]: "disabled",
    [analyzerproto.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_CODES: Record<EnforcementLevel, analyzerproto.EnforcementLevel> = {
    advisory: analyzerproto.EnforcementLevel.ADVISORY,
    mandatory: analyzerproto.EnforcementLevel.MANDATORY,
    disabled: analyzerproto.EnforcementLevel.DISABLED,
    remediate: analyzerproto.EnforcementLevel.REMEDIATE,
};

/** A running policy pack process and a gRPC client connected to it. */
export class PolicyPackProcess {
    private constructor(
        private readonly launched: LaunchedPack,
        private readonly client: analyzerrpc.AnalyzerClient,
    ) {}

    /** Starts the pack in `packDir` through `run-policy-pack`, as the Pulumi CLI does (see `launchPack`). */
    static async start(packDir: string): Promise<PolicyPackProcess> {
        return PolicyPackProcess.connect(launchPack(packDir));
    }

    /** Starts the pack in `packDir` from its compiled entry point (see `launchCompiledPack`). */
    static async startCompiled(packDir: string, entry: string): Promise<PolicyPackProcess> {
        return PolicyPackProcess.connect(launchCompiledPack(packDir, entry));
    }

    /** Waits for a launched pack's port and connects to it. */
    static async connect(launched: LaunchedPack): Promise<PolicyPackProcess> {
        const port = await launched.port;
        const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 1024 * 1024 * 400,
            "grpc.max_send_message_length": 1024 * 1024 * 400,
        });
        return new PolicyPackProcess(launched, client);
    }

    /** Standard error output of the pack's process so far. */
    get errorOutput(): string {
        return this.launched.stderr.join("");
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const info = await this.call<analyzerproto.AnalyzerInfo>((cb) => this.client.getAnalyzerInfo(new emptyproto.Empty(), cb));
        return {
            name: info.getName(),
            version: info.getVersion(),
            policies: info.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    description: p.getDescription(),
                    enforcementLevel: LEVELS[p.getEnforcementlevel()],
                    ...(schema === undefined
                        ? {}
                        : {
                              configSchema: {
                                  properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                                  required: schema.getRequiredList(),
                              },
                          }),
                };
            }),
        };
    }

    /** Sends the policy config, as the CLI does after applying schema defaults. */
    async configure(config: PolicyPackConfig): Promise<void> {
        const request = new analyzerproto.ConfigureAnalyzerRequest();
        const map = request.getPolicyconfigMap();
        for (const [policy, { enforcementLevel, ...properties }] of Object.entries(config)) {
            const entry = new analyzerproto.PolicyConfig();
            entry.setEnforcementlevel(LEVEL_CODES[enforcementLevel ?? "advisory"]);
            entry.setProperties(structproto.Struct.fromJavaScript(properties as Record<string, structproto.JavaScriptValue>));
            map.set(policy, entry);
        }
        await this.call((cb) => this.client.configure(request, cb));
    }

    async configureStack(stack: { project: string; stack: string; organization?: string; dryRun: boolean }): Promise<void> {
        const request = new analyzerproto.AnalyzerStackConfigureRequest();
        request.setProject(stack.project);
        request.setStack(stack.stack);
        request.setOrganization(stack.organization ?? "organization");
        request.setDryRun(stack.dryRun);
        await this.call((cb) => this.client.configureStack(request, cb));
    }

    /** Analyzes one resource's inputs, as the engine does for every resource it registers. */
    async analyze(resource: RecordedResource, provider?: RecordedResource): Promise<Diagnostic[]> {
        const request = new analyzerproto.AnalyzeRequest();
        request.setUrn(resource.urn);
        request.setType(resource.type);
        request.setName(resource.name);
        request.setProperties(resource.inputs);
        request.setOptions(toResourceOptions(resource));
        if (provider !== undefined) {
            request.setProvider(toProviderResource(provider));
        }
        const response = await this.call<analyzerproto.AnalyzeResponse>((cb) => this.client.analyze(request, cb));
        return response.getDiagnosticsList().map((d) => toDiagnostic(d, resource.urn));
    }

    /** Analyzes the whole stack, as the engine does once all resources are registered. */
    async analyzeStack(resources: readonly RecordedResource[]): Promise<Diagnostic[]> {
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const request = new analyzerproto.AnalyzeStackRequest();
        request.setResourcesList(
            resources.map((resource) => {
                const entry = new analyzerproto.AnalyzerResource();
                entry.setUrn(resource.urn);
                entry.setType(resource.type);
                entry.setName(resource.name);
                entry.setProperties(resource.inputs);
                entry.setOptions(toResourceOptions(resource));
                entry.setParent(resource.parent);
                entry.setDependenciesList(resource.dependencies);
                const dependencies = entry.getPropertydependenciesMap();
                for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
                    if (urns.length === 0) {
                        continue;
                    }
                    const value = new analyzerproto.AnalyzerPropertyDependencies();
                    value.setUrnsList(urns);
                    dependencies.set(key, value);
                }
                const provider = providerOf(resource, byUrn);
                if (provider !== undefined) {
                    entry.setProvider(toProviderResource(provider));
                }
                return entry;
            }),
        );
        const response = await this.call<analyzerproto.AnalyzeResponse>((cb) => this.client.analyzeStack(request, cb));
        return response.getDiagnosticsList().map((d) => toDiagnostic(d, ""));
    }

    /** Closes the connection and stops the pack's process. */
    async stop(): Promise<void> {
        this.client.close();
        await stopPack(this.launched);
    }

    private call<T>(send: (callback: (error: grpc.ServiceError | null, response: T) => void) => void): Promise<T> {
        return new Promise<T>((resolve, reject) =>
            send((error, response) => {
                if (error) {
                    const detail = this.errorOutput.trim();
                    reject(new Error(`${error.details || error.message}${detail === "" ? "" : `\n${detail}`}`));
                } else {
                    resolve(response);
                }
            }),
        );
    }
}

/** Finds the provider resource a custom resource references as `<urn>::<id>`. */
export function providerOf(resource: RecordedResource, byUrn: ReadonlyMap<string, RecordedResource>): RecordedResource | undefined {
    if (resource.provider === "") {
        return undefined;
    }
    const separator = resource.provider.lastIndexOf("::");
    return byUrn.get(resource.provider.slice(0, separator));
}

function toResourceOptions(resource: RecordedResource): analyzerproto.AnalyzerResourceOptions {
    const options = new analyzerproto.AnalyzerResourceOptions();
    options.setProtect(resource.protect);
    options.setIgnorechangesList(resource.ignoreChanges);
    options.setDeletebeforereplace(resource.deleteBeforeReplace);
    options.setDeletebeforereplacedefined(resource.deleteBeforeReplace);
    options.setAdditionalsecretoutputsList(resource.additionalSecretOutputs);
    options.setAliasesList(resource.aliases);
    options.setParent(resource.parent);
    if (resource.customTimeouts !== undefined) {
        const timeouts = new analyzerproto.AnalyzerResourceOptions.CustomTimeouts();
        timeouts.setCreate(resource.customTimeouts.create);
        timeouts.setUpdate(resource.customTimeouts.update);
        timeouts.setDelete(resource.customTimeouts.delete);
        options.setCustomtimeouts(timeouts);
    }
    return options;
}

function toProviderResource(provider: RecordedResource): analyzerproto.AnalyzerProviderResource {
    const entry = new analyzerproto.AnalyzerProviderResource();
    entry.setUrn(provider.urn);
    entry.setType(provider.type);
    entry.setName(provider.name);
    entry.setProperties(provider.inputs);
    return entry;
}

function toDiagnostic(d: analyzerproto.AnalyzeDiagnostic, fallbackUrn: string): Diagnostic {
    return {
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: d.getPolicypackversion(),
        description: d.getDescription(),
        message: d.getMessage(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()],
        urn: d.getUrn() || fallbackUrn,
    };
}
