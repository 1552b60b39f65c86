/**
 * Tells which input properties the engine sent as Pulumi secrets.
 *
 * The engine marshals a secret as an object tagged with Pulumi's secret signature, but
 * `@pulumi/policy` 1.21 unwraps those objects before it passes the properties to a policy, so a
 * policy cannot tell a secret from plain text. This module wraps the SDK's `deserializeProperties` and
 * records, for each properties object it returns, the paths that arrived as secrets. Only the
 * properties named in `TRACKED_PROPERTIES` are walked, which keeps the cost per resource small.
 *
 * The wrapper also returns one properties object per protobuf Struct. The SDK deserializes a
 * resource's properties again for every policy: 8 times per Analyze call and 5 times per
 * resource in AnalyzeStack for this pack. A Struct of a received request is not changed
 * afterwards, so its deserialized properties are the same each time, and the policies share them.
 * Each policy still gets its own unknown-checking proxy over them, so unknown values fail closed as
 * before. Policies must therefore never modify `props`. They read them through `readProperty`,
 * which copies.
 */
import * as deserialize from "@pulumi/policy/deserialize";
import * as proxy from "@pulumi/policy/proxy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";

/** Container properties whose secret paths are recorded. */
const TRACKED_PROPERTIES = ["envs"];

const secretPaths = new WeakMap<object, Set<string>>();
/** Deserialized properties by the Struct they came from; entries go when the request is collected. */
const deserialized = new WeakMap<structproto.Struct, Record<string, unknown>>();

type Deserialize = (struct: structproto.Struct, proxySecrets: boolean) => Record<string, unknown>;

const sdk = deserialize as unknown as { deserializeProperties: Deserialize };
const original = sdk.deserializeProperties;
// The key under which the SDK's property proxies return the object they wrap; untyped in its d.ts.
const proxyTargetKey = (proxy as unknown as { getSpecialProxyTarget?: unknown }).getSpecialProxyTarget;

/** False when the SDK's shape differs from the one this module wraps; policies then fail closed. */
export const secretTrackingActive = typeof original === "function" && typeof proxyTargetKey === "string";

if (secretTrackingActive) {
    sdk.deserializeProperties = (struct, proxySecrets) => {
        // Only the plain form is shared. With proxySecrets, the SDK wraps secrets for remediation.
        const cached = proxySecrets ? undefined : deserialized.get(struct);
        if (cached !== undefined) {
            return cached;
        }
        const props = original(struct, proxySecrets);
        if (props !== null && typeof props === "object") {
            const found = new Set<string>();
            for (const property of TRACKED_PROPERTIES) {
                const value = struct.getFieldsMap().get(property);
                if (value !== undefined) {
                    collectSecretPaths(value.toJavaScript(), property, found);
                }
            }
            secretPaths.set(props, found);
            if (!proxySecrets) {
                deserialized.set(struct, props);
            }
        }
        return props;
    };
}

function collectSecretPaths(value: unknown, path: string, found: Set<string>): void {
    if (Array.isArray(value)) {
        value.forEach((item, index) => collectSecretPaths(item, `${path}[${index}]`, found));
    } else if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            found.add(path);
            collectSecretPaths(record.value, path, found);
            return;
        }
        for (const [key, item] of Object.entries(record)) {
            collectSecretPaths(item, `${path}.${key}`, found);
        }
    }
}

/**
 * Returns the paths, such as `envs` or `envs[2]`, that arrived as secrets in the properties a
 * policy received, or undefined when they passed through no tracked deserialization.
 */
export function secretPathsOf(props: Record<string, unknown>): ReadonlySet<string> | undefined {
    const target = props[proxyTargetKey as string] ?? props;
    return typeof target === "object" && target !== null ? secretPaths.get(target) : undefined;
}
