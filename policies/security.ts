/**
 * Security and safety policies for Docker containers on shared nodes: no privileged containers,
 * no Docker socket, no host namespaces, no plain-text secrets, pinned images, and replacements
 * that never hold two copies of a GPU or a container name at once.
 *
 * Each policy reads the container inputs through `readProperty`, so a value unknown during
 * preview is a mandatory "cannot verify" violation instead of the SDK's advisory skip.
 */
import * as path from "node:path";

import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

import { NODE_LABEL } from "../model/labels";
import { CONTAINER_TYPE, Problem, UNREADABLE, describeContainer, readContainer, readProperty } from "./containers";
import { secretPathsOf, secretTrackingActive } from "./secrets";

/**
 * Runs `check` on Docker containers only, with a reader that turns unknown values into
 * violations. `subject` names the container in messages, and `check` reports its findings
 * through `report`.
 */
function forContainers(
    check: (read: (property: string) => unknown, subject: string, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy["validateResource"] {
    return (args, report) => {
        if (args.type !== CONTAINER_TYPE) {
            return;
        }
        const subject = describeContainer(args.name, args.urn);
        const problems: Problem[] = [];
        check((property) => readProperty(args.props, property, subject, problems), subject, args, report);
        for (const problem of problems) {
            report(problem.message);
        }
    };
}

export const noPrivilegedContainers: ResourceValidationPolicy = {
    name: "no-privileged-containers",
    description: "No container may run privileged: it would have every device and capability of its node.",
    enforcementLevel: "mandatory",
    validateResource: forContainers((read, subject, _args, report) => {
        const privileged = read("privileged");
        if (privileged === true) {
            report(
                `${subject} runs privileged, which gives it every device and kernel capability of its node. ` +
                    "Remove `privileged` and grant only the capabilities or devices it needs.",
            );
        } else if (privileged !== undefined && privileged !== false && privileged !== UNREADABLE) {
            report(`${subject}: invalid \`privileged\` ${JSON.stringify(privileged)}: expected true or false.`);
        }
    }),
};

/** Host paths that expose a Docker or containerd socket when mounted. */
const SOCKET_NAMES = ["docker.sock", "containerd.sock"];
const SOCKET_DIRECTORIES = ["/", "/var", "/var/run", "/run", "/run/docker", "/run/containerd"];

/** Returns why mounting `hostPath` exposes a container runtime's socket, or undefined. */
export function exposedSocket(hostPath: string): string | undefined {
    const normalized = path.posix.normalize(hostPath).replace(/(.)\/+$/, "$1");
    if (SOCKET_NAMES.includes(path.posix.basename(normalized))) {
        return `${hostPath} is a container runtime socket`;
    }
    if (SOCKET_DIRECTORIES.includes(normalized)) {
        return `${hostPath} contains the Docker socket`;
    }
    return undefined;
}

export const noDockerSocketMount: ResourceValidationPolicy = {
    name: "no-docker-socket-mount",
    description: "No container may mount the Docker socket, because access to it gives control of every container on the node.",
    enforcementLevel: "mandatory",
    validateResource: forContainers((read, subject, _args, report) => {
        const sources: { property: string; hostPath: unknown }[] = [];
        const volumes = read("volumes");
        if (Array.isArray(volumes)) {
            volumes.forEach((v, i) => sources.push({ property: `volumes[${i}].hostPath`, hostPath: v?.hostPath }));
        }
        const mounts = read("mounts");
        if (Array.isArray(mounts)) {
            mounts
                .map((m, i) => ({ m, i }))
                .filter(({ m }) => m?.type === "bind")
                .forEach(({ m, i }) => sources.push({ property: `mounts[${i}].source`, hostPath: m?.source }));
        }
        for (const { property, hostPath } of sources) {
            const exposed = typeof hostPath === "string" ? exposedSocket(hostPath) : undefined;
            if (exposed !== undefined) {
                report(
                    `${subject} mounts the host path in \`${property}\`: ${exposed}, and root on the node follows from it. ` +
                        "Remove the mount; give monitoring tools a read-only API proxy instead.",
                );
            }
        }
    }),
};

/** Namespace properties of a container and the value that shares the host's namespace. */
const HOST_NAMESPACES = [
    { property: "networkMode", namespace: "network" },
    { property: "pidMode", namespace: "PID" },
    { property: "ipcMode", namespace: "IPC" },
];

interface HostNamespaceConfig {
    dedicatedNodes?: string[];
}

export const noHostNamespacesOnSharedNodes: ResourceValidationPolicy = {
    name: "no-host-namespaces-on-shared-nodes",
    description: "No container on a shared node may use the host's network, PID or IPC namespace.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            dedicatedNodes: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Nodes that run a single workload, where host namespaces are allowed.",
            },
        },
    },
    validateResource: forContainers((read, subject, args, report) => {
        const dedicated = new Set(args.getConfig<HostNamespaceConfig>().dedicatedNodes ?? []);
        const hostModes = HOST_NAMESPACES.filter(({ property }) => read(property) === "host");
        if (hostModes.length === 0) {
            return;
        }
        const node = readContainer(args.urn, args.name, args.props).node;
        if (node !== undefined && dedicated.has(node)) {
            return;
        }
        const where = node === undefined ? `a node it does not name with a \`${NODE_LABEL}\` label` : `shared node ${node}`;
        for (const { property, namespace } of hostModes) {
            report(
                `${subject} uses the host's ${namespace} namespace (\`${property}: "host"\`) on ${where}, ` +
                    "so it can reach every other container's traffic or processes there. " +
                    `Use a bridge network and the container's own namespace, or list the node in \`dedicatedNodes\`.`,
            );
        }
    }),
};

/** Environment variable names that usually carry credentials. */
const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH_?KEY)/i;

/** Values with the shape of well-known credentials, whatever the variable's name. */
const SECRET_VALUES: { pattern: RegExp; kind: string }[] = [
    { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, kind: "a private key" },
    { pattern: /\bAKIA[0-9A-Z]{16}\b/, kind: "an AWS access key id" },
    { pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, kind: "a GitHub token" },
    { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, kind: "a Slack token" },
    { pattern: /\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/, kind: "a JSON Web Token" },
    { pattern: /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, kind: "a URL with a password" },
];

/**
 * Returns why an `envs` entry (`NAME=value`) looks like a credential, or undefined. Empty values
 * and `*_FILE` variables, which name the file that contains the secret, are not credentials.
 */
export function secretLookingEntry(entry: string, allowedNames: ReadonlySet<string>): string | undefined {
    const equals = entry.indexOf("=");
    const name = equals === -1 ? entry : entry.slice(0, equals);
    const value = equals === -1 ? "" : entry.slice(equals + 1);
    if (value === "" || allowedNames.has(name)) {
        return undefined;
    }
    const shaped = SECRET_VALUES.find(({ pattern }) => pattern.test(value));
    if (shaped !== undefined) {
        return `the value of ${name} has the shape of ${shaped.kind}`;
    }
    if (SECRET_NAME.test(name) && !/_FILE$/i.test(name)) {
        return `${name} is named like a credential`;
    }
    return undefined;
}

interface SecretConfig {
    allowedNames?: string[];
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
    name: "no-plaintext-secrets",
    description: "Environment values that look like credentials must be Pulumi secrets, never plain text in the program or state.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedNames: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Variable names that look like credentials but are not, such as TOKEN_TTL_SECONDS.",
            },
        },
    },
    validateResource: forContainers((read, subject, args, report) => {
        const envs = read("envs");
        if (envs === undefined || envs === UNREADABLE) {
            return;
        }
        if (!Array.isArray(envs)) {
            report(`${subject}: invalid \`envs\` ${JSON.stringify(envs)}: expected a list of NAME=value strings.`);
            return;
        }
        const allowed = new Set(args.getConfig<SecretConfig>().allowedNames ?? []);
        const secrets = secretPathsOf(args.props);
        envs.forEach((entry, index) => {
            if (typeof entry !== "string") {
                return;
            }
            const reason = secretLookingEntry(entry, allowed);
            if (reason === undefined) {
                return;
            }
            const name = entry.split("=", 1)[0];
            if (!secretTrackingActive || secrets === undefined) {
                report(
                    `${subject}: cannot verify that \`envs[${index}]\` (${name}) is a Pulumi secret, because this version of ` +
                        "@pulumi/policy hides secrets from policies. The policy fails closed: pin @pulumi/policy ~1.21.0.",
                );
            } else if (!secrets.has("envs") && !secrets.has(`envs[${index}]`)) {
                report(
                    `${subject} sets \`envs[${index}]\` in plain text, and ${reason}. The value is stored unencrypted in the ` +
                        "Pulumi state. Wrap it in pulumi.secret() or read it with config.requireSecret().",
                );
            }
        });
    }),
};

/** Splits an image reference into repository, tag and digest, as Docker parses `name[:tag][@digest]`. */
export function parseImageReference(image: string): { repository: string; tag?: string; digest?: string } {
    const at = image.indexOf("@");
    const named = at === -1 ? image : image.slice(0, at);
    const digest = at === -1 ? undefined : image.slice(at + 1);
    const colon = named.lastIndexOf(":");
    // A colon before the last slash belongs to a registry port, as in registry:5000/app.
    const hasTag = colon > named.lastIndexOf("/");
    return {
        repository: hasTag ? named.slice(0, colon) : named,
        ...(hasTag ? { tag: named.slice(colon + 1) } : {}),
        ...(digest === undefined ? {} : { digest }),
    };
}

/** Returns why an image reference is not pinned, or undefined when it is. */
export function unpinnedImage(image: string): string | undefined {
    const { tag, digest } = parseImageReference(image);
    if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
        return `its digest "${digest}" is not sha256: followed by 64 lower-case hex digits`;
    }
    if (tag !== undefined && digest !== undefined) {
        return "it names both a tag and a digest, and the Docker provider then replaces the container on every deploy";
    }
    if (digest !== undefined) {
        return undefined;
    }
    if (tag === undefined) {
        return "it has no tag, so Docker pulls `latest`, which changes under the same name";
    }
    if (tag === "latest") {
        return "`latest` changes under the same name";
    }
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) {
        return `its tag "${tag}" is not a valid Docker tag`;
    }
    return undefined;
}

export const imagePinned: ResourceValidationPolicy = {
    name: "image-pinned",
    description: "Every container image must be pinned by an explicit tag other than `latest`, or by digest alone.",
    enforcementLevel: "mandatory",
    validateResource: forContainers((read, subject, _args, report) => {
        const image = read("image");
        if (image === UNREADABLE) {
            return;
        }
        if (typeof image !== "string" || image === "") {
            report(`${subject}: no \`image\`, so Docker cannot tell which image to run. Set it, such as image: "nginx:1.27.2".`);
            return;
        }
        const reason = unpinnedImage(image);
        if (reason !== undefined) {
            report(
                `${subject} uses image ${JSON.stringify(image)}, which is not pinned: ${reason}. ` +
                    'Name an explicit version tag, such as "nginx:1.27.2", or the digest alone, such as "nginx@sha256:<digest>".',
            );
        }
    }),
};

export const replaceDeleteFirst: ResourceValidationPolicy = {
    name: "replace-delete-first",
    description:
        "GPU containers and containers with a fixed name must be replaced delete-first, so two copies never hold a GPU or a name at once.",
    enforcementLevel: "mandatory",
    validateResource: forContainers((read, subject, args, report) => {
        if (args.opts.deleteBeforeReplace) {
            return;
        }
        const name = read("name");
        const deviceRequests = read("deviceRequests");
        const gpus = read("gpus");
        // Unknown values are already reported as "cannot verify" by the reader.
        const reasons: string[] = [];
        if ((Array.isArray(deviceRequests) && deviceRequests.length > 0) || (typeof gpus === "string" && gpus !== "")) {
            reasons.push("it requests a GPU, so the new copy would start while the old one still holds the card's memory");
        }
        if (typeof name === "string" && name !== "") {
            reasons.push(`it has the fixed name ${JSON.stringify(name)}, which Docker lets only one container use`);
        }
        if (reasons.length > 0) {
            report(
                `${subject} is replaced create-first, but ${reasons.join(", and ")}. ` +
                    "Set the resource option deleteBeforeReplace: true.",
            );
        }
    }),
};

export const networkModeExplicit: ResourceValidationPolicy = {
    name: "network-mode-explicit",
    description: "Every container must set `networkMode`: left unset, each preview shows a change to bridge and a replacement.",
    enforcementLevel: "mandatory",
    validateResource: forContainers((read, subject, _args, report) => {
        const mode = read("networkMode");
        if (mode === undefined || mode === "") {
            report(
                `${subject} leaves \`networkMode\` unset. The Docker provider then reads back "bridge" and shows a diff ` +
                    'that replaces the container on every deploy. Set networkMode: "bridge" (or the mode it needs).',
            );
        }
    }),
};
