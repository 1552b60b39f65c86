import { strict as assert } from "node:assert";
import * as path from "node:path";

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { AnalyzerInfo, Diagnostic, PolicyPackProcess } from "../cli/analyzer";
import { recordStack } from "../cli/engine";
import { buildPolicyConfig } from "../cli/offline-check";
import { exposedSocket, parseImageReference, secretLookingEntry, unpinnedImage } from "../policies/security";
import { UNKNOWN, container, secret } from "./engine-resources";

const PACK_DIR = path.resolve(__dirname, "..", "..", "policies");
const DIGEST = `sha256:${"ab12".repeat(16)}`;

describe("image references", () => {
    const cases: [string, string | undefined][] = [
        ["nginx:1.27.2", undefined],
        ["registry.local:5000/team/app:2.0.1", undefined],
        [`nginx@${DIGEST}`, undefined],
        ["nginx", "it has no tag, so Docker pulls `latest`, which changes under the same name"],
        ["registry.local:5000/team/app", "it has no tag, so Docker pulls `latest`, which changes under the same name"],
        ["nginx:latest", "`latest` changes under the same name"],
        [
            `nginx:1.27.2@${DIGEST}`,
            "it names both a tag and a digest, and the Docker provider then replaces the container on every deploy",
        ],
        ["nginx@sha256:abc", 'its digest "sha256:abc" is not sha256: followed by 64 lower-case hex digits'],
        ["nginx:-bad", 'its tag "-bad" is not a valid Docker tag'],
    ];
    for (const [image, expected] of cases) {
        it(`judges ${image}`, () => {
            assert.equal(unpinnedImage(image), expected);
        });
    }

    it("keeps a registry port out of the tag", () => {
        assert.deepEqual(parseImageReference("registry.local:5000/app"), { repository: "registry.local:5000/app" });
    });
});

describe("socket mounts", () => {
    const cases: [string, boolean][] = [
        ["/var/run/docker.sock", true],
        ["/run/docker.sock", true],
        ["/var/run/", true],
        ["/run/containerd/containerd.sock", true],
        ["/home/bev/.docker/run/docker.sock", true],
        ["/", true],
        ["/var/lib/postgres", false],
        ["/var/run/postgresql", false],
    ];
    for (const [hostPath, exposed] of cases) {
        it(`${exposed ? "flags" : "allows"} ${hostPath}`, () => {
            assert.equal(exposedSocket(hostPath) !== undefined, exposed);
        });
    }
});

describe("secret-looking environment entries", () => {
    const none = new Set<string>();
    const cases: [string, boolean][] = [
        ["POSTGRES_PASSWORD=hunter2", true],
        ["GRAFANA_API_KEY=abc", true],
        ["NEO4J_AUTH=neo4j/secret", false],
        ["POSTGRES_PASSWORD_FILE=/run/secrets/db", false],
        ["POSTGRES_PASSWORD=", false],
        ["LOG_LEVEL=info", false],
        ["UPSTREAM=https://bev:hunter2@example.org/feed", true],
        ["AWS_KEY_ID=AKIAABCDEFGHIJKLMNOP", true],
        [`DEPLOY=ghp_${"a".repeat(36)}`, true],
    ];
    for (const [entry, flagged] of cases) {
        it(`${flagged ? "flags" : "allows"} ${entry.split("=")[0]}`, () => {
            assert.equal(secretLookingEntry(entry, none) !== undefined, flagged);
        });
    }

    it("skips allowed names", () => {
        assert.equal(secretLookingEntry("TOKEN_TTL_SECONDS=300", new Set(["TOKEN_TTL_SECONDS"])), undefined);
    });
});

describe("security policies over the analyzer protocol", function () {
    let pack: PolicyPackProcess;
    let info: AnalyzerInfo;

    before(async () => {
        pack = await PolicyPackProcess.start(PACK_DIR);
        info = await pack.getAnalyzerInfo();
    });

    after(async () => {
        await pack?.stop();
    });

    async function configure(overrides: Record<string, Record<string, unknown>> = {}) {
        await pack.configure(buildPolicyConfig(info, overrides));
        await pack.configureStack({ project: "bev", stack: "test", dryRun: true });
    }

    beforeEach(() => configure());

    const limited = { node: "thanos", memory: 512, cpus: "0.5" };

    /** Mandatory messages of one policy for one container. */
    async function violations(policy: string, spec: Parameters<typeof container>[1]): Promise<string[]> {
        const diagnostics: Diagnostic[] = await pack.analyze(container("web", { ...limited, ...spec }));
        assert.deepEqual(
            diagnostics.filter((d) => d.message.includes("can't run policy")),
            [],
            "no policy may be skipped",
        );
        return diagnostics.filter((d) => d.policyName === policy && d.enforcementLevel === "mandatory").map((d) => d.message);
    }

    it("passes a container as the components build it", async () => {
        const diagnostics = await pack.analyze(container("web", limited));
        assert.deepEqual(diagnostics, []);
    });

    it("rejects a privileged container", async () => {
        const messages = await violations("no-privileged-containers", { extra: { privileged: true } });
        assert.equal(messages.length, 1);
        assert.match(messages[0], /Container web \(urn:pulumi:test::bev::docker:index\/container:Container::web\) runs privileged/);
    });

    it("rejects the Docker socket as a volume and as a bind mount", async () => {
        const messages = await violations("no-docker-socket-mount", {
            extra: {
                volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }],
                mounts: [{ type: "bind", source: "/run", target: "/host-run" }, { type: "volume", source: "data", target: "/data" }],
            },
        });
        assert.equal(messages.length, 2);
        assert.match(messages[0], /`volumes\[0\]\.hostPath`: \/var\/run\/docker\.sock is a container runtime socket/);
        assert.match(messages[1], /`mounts\[0\]\.source`: \/run contains the Docker socket/);
    });

    it("rejects host network and host PID on a shared node", async () => {
        const messages = await violations("no-host-namespaces-on-shared-nodes", { extra: { networkMode: "host", pidMode: "host" } });
        assert.equal(messages.length, 2);
        assert.match(messages[0], /uses the host's network namespace \(`networkMode: "host"`\) on shared node thanos/);
        assert.match(messages[1], /uses the host's PID namespace/);
    });

    it("allows host network on a dedicated node", async () => {
        await configure({ "no-host-namespaces-on-shared-nodes": { dedicatedNodes: ["thanos"] } });
        const messages = await violations("no-host-namespaces-on-shared-nodes", { extra: { networkMode: "host" } });
        assert.deepEqual(messages, []);
    });

    it("rejects a plain-text password and accepts a secret one", async () => {
        const messages = await violations("no-plaintext-secrets", {
            extra: { envs: ["LOG_LEVEL=info", "POSTGRES_PASSWORD=hunter2", secret("REDIS_PASSWORD=hunter3")] },
        });
        assert.equal(messages.length, 1);
        assert.match(messages[0], /sets `envs\[1\]` in plain text, and POSTGRES_PASSWORD is named like a credential/);
        assert.doesNotMatch(messages[0], /hunter2/, "the message must not repeat the secret");
    });

    it("accepts envs that are secret as a whole", async () => {
        const messages = await violations("no-plaintext-secrets", { extra: { envs: secret(["POSTGRES_PASSWORD=hunter2"]) } });
        assert.deepEqual(messages, []);
    });

    it("rejects latest and tag plus digest", async () => {
        const latest = await violations("image-pinned", { extra: { image: "nginx:latest" } });
        const both = await violations("image-pinned", { extra: { image: `nginx:1.27.2@${DIGEST}` } });
        assert.equal(latest.length, 1);
        assert.match(latest[0], /uses image "nginx:latest", which is not pinned/);
        assert.equal(both.length, 1);
        assert.match(both[0], /replaces the container on every deploy/);
    });

    it("rejects a GPU container replaced create-first", async () => {
        const messages = await violations("replace-delete-first", {
            gpu: true,
            vram: { "0": "1536" },
            options: { deleteBeforeReplace: false },
        });
        assert.equal(messages.length, 1);
        assert.match(messages[0], /is replaced create-first, but it requests a GPU/);
        assert.match(messages[0], /it has the fixed name "web"/);
    });

    it("rejects a reservation above the limit", async () => {
        const messages = await violations("container-has-limits", { extra: { memoryReservation: 1024 } });
        assert.equal(messages.length, 1);
        assert.match(messages[0], /memory reservation 1024 MiB is above the memory limit 512 MiB/);
    });

    it("rejects a container without networkMode", async () => {
        const messages = await violations("network-mode-explicit", { extra: { networkMode: "" } });
        assert.equal(messages.length, 1);
        assert.match(messages[0], /leaves `networkMode` unset/);
    });

    for (const property of ["image", "privileged", "envs", "networkMode", "mounts", "labels"]) {
        it(`fails closed on an unknown ${property}`, async () => {
            const spec = property === "labels" ? { ...limited, labels: UNKNOWN } : { ...limited, extra: { [property]: UNKNOWN } };
            const diagnostics = await pack.analyze(container("web", spec));
            const closed = diagnostics.filter(
                (d) => d.enforcementLevel === "mandatory" && d.message.includes(`cannot verify \`${property}\``),
            );
            assert.ok(closed.length >= 1, `a mandatory "cannot verify" for ${property}: ${JSON.stringify(diagnostics)}`);
            assert.deepEqual(
                diagnostics.filter((d) => d.enforcementLevel === "advisory"),
                [],
                "no advisory skip",
            );
        });
    }

    it("sees a pulumi.secret from a program as a secret", async () => {
        const run = await recordStack(
            async () => {
                new docker.Container("db", {
                    image: "postgres:16.4",
                    memory: 1024,
                    cpus: "1",
                    networkMode: "bridge",
                    labels: [{ label: "bev.node", value: "thanos" }],
                    envs: [pulumi.secret("POSTGRES_PASSWORD=hunter2"), "PGDATA=/var/lib/postgresql/data"],
                });
                new docker.Container("cache", {
                    image: "redis:7.4.1",
                    memory: 256,
                    cpus: "0.5",
                    networkMode: "bridge",
                    labels: [{ label: "bev.node", value: "thanos" }],
                    envs: ["REDIS_PASSWORD=hunter3"],
                });
            },
            { project: "bev", stack: "test", preview: true },
        );
        const byName = new Map(run.resources.map((r) => [r.name, r]));
        const db = await pack.analyze(byName.get("db")!);
        const cache = await pack.analyze(byName.get("cache")!);
        assert.deepEqual(db.filter((d) => d.policyName === "no-plaintext-secrets"), []);
        assert.equal(cache.filter((d) => d.policyName === "no-plaintext-secrets").length, 1);
    });
});
