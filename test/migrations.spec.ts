import { strict as assert } from "node:assert";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { ProgramRun, RecordedResource, recordStack, runProgram } from "../cli/engine";
import { readStackConfig } from "../cli/stacks";
import { MigrationsConfig, parseMigrationsConfig } from "../components/migrations";
import { Node } from "../components/node";
import { InputError } from "../model/units";
import { loadInventory } from "../stacks/inventory";

const COMMAND_TYPE = "command:local:Command";
const CONTAINER_TYPE = "docker:index/container:Container";

const inventory = loadInventory();
const starlordServices = inventory.plans.rebalanced.filter((s) => s.node === "starlord");

const migrations: MigrationsConfig = {
    plan: "rebalanced",
    backupDir: "/var/backups/bev-migrations",
    hosts: { thanos: "ssh://bev@thanos" },
    moves: [
        { service: "memory-manager", from: "thanos" },
        { service: "doc-analyzer-1", from: "thanos" },
        { service: "avatar-system", from: "thanos" },
    ],
};

function declareStarlord(withMigrations: MigrationsConfig | undefined): Node {
    return new Node("starlord", {
        node: inventory.nodes.starlord,
        plan: "rebalanced",
        services: starlordServices,
        dockerHost: "ssh://bev@starlord",
        ...(withMigrations === undefined ? {} : { migrations: withMigrations }),
    });
}

describe("migration commands under setMocks", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];

    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args) => args.inputs,
            },
            "bev",
            "starlord",
            false,
        );
        const node = declareStarlord(migrations);
        await Promise.all(node.services.map((s) => new Promise((resolve) => s.container.urn.apply(resolve))));
        await Promise.all([...node.migrations.values()].map((c) => new Promise((resolve) => c.urn.apply(resolve))));
    });

    it("declares one command per move, in order", () => {
        const commands = registered.filter((r) => r.type === COMMAND_TYPE).map((r) => r.name);
        assert.deepEqual(commands, ["migrate-memory-manager", "migrate-doc-analyzer-1", "migrate-avatar-system"]);
    });

    it("runs the shipped migrate command with both hosts", () => {
        const create = registered.find((r) => r.name === "migrate-doc-analyzer-1")!.inputs.create as string;
        assert.equal(
            create,
            "node dist/cli/migrate.js --service doc-analyzer-1 --from thanos --to starlord --source-host ssh://bev@thanos " +
                "--target-host ssh://bev@starlord --backup-dir /var/backups/bev-migrations --hand-over",
        );
    });

    it("mounts the moved volumes in the declared container", () => {
        const inputs = registered.find((r) => r.type === CONTAINER_TYPE && r.name === "memory-manager")!.inputs;
        assert.deepEqual(inputs.volumes, [{ volumeName: "memory-manager-data", containerPath: "/var/lib/memory-manager" }]);
    });
});

describe("migration command dependencies", () => {
    let run: ProgramRun;
    const byName = (type: string, name: string): RecordedResource => {
        const resource = run.resources.find((r) => r.type === type && r.name === name);
        assert.ok(resource, `no ${type} named ${name}`);
        return resource;
    };

    before(async () => {
        run = await recordStack(async () => declareStarlord(migrations), { project: "bev", stack: "starlord", preview: true });
    });

    it("starts the chain after the node's network", () => {
        const network = byName("docker:index/network:Network", "starlord-network");
        assert.deepEqual(byName(COMMAND_TYPE, "migrate-memory-manager").dependencies, [network.urn]);
    });

    it("chains each command to the one before", () => {
        const first = byName(COMMAND_TYPE, "migrate-memory-manager");
        const second = byName(COMMAND_TYPE, "migrate-doc-analyzer-1");
        const third = byName(COMMAND_TYPE, "migrate-avatar-system");
        assert.deepEqual(second.dependencies, [first.urn]);
        assert.deepEqual(third.dependencies, [second.urn]);
    });

    it("makes each moved container wait for its command", () => {
        for (const move of migrations.moves) {
            const command = byName(COMMAND_TYPE, `migrate-${move.service}`);
            const container = byName(CONTAINER_TYPE, move.service);
            assert.ok(container.dependencies.includes(command.urn), `${move.service} does not depend on ${command.urn}`);
        }
    });

    it("leaves containers that do not move independent of the commands", () => {
        const container = byName(CONTAINER_TYPE, "emotional-intelligence");
        const commands = run.resources.filter((r) => r.type === COMMAND_TYPE).map((r) => r.urn);
        assert.deepEqual(container.dependencies.filter((urn) => commands.includes(urn)), []);
    });

    it("declares no command without bev:migrations", async () => {
        const plain = await recordStack(async () => declareStarlord(undefined), { project: "bev", stack: "starlord", preview: true });
        assert.equal(plain.resources.filter((r) => r.type === COMMAND_TYPE).length, 0);
    });
});

describe("bev:migrations config", () => {
    const where = "config bev:migrations";
    const withMoves = (moves: MigrationsConfig["moves"]) => ({ ...migrations, moves });
    const cases: [string, unknown, RegExp][] = [
        [
            "a service of another node",
            withMoves([{ service: "postgres", from: "thanos" }]),
            /moves\[0\]\.service: service "postgres" is not placed on node starlord/,
        ],
        [
            "a move from this node",
            withMoves([{ service: "memory-manager", from: "starlord" }]),
            /moves\[0\]\.from: .* moved from starlord to itself/,
        ],
        ["a node without a host", { ...migrations, hosts: {} }, /hosts: missing Docker host of node thanos/],
        ["a service listed twice", withMoves([migrations.moves[0], migrations.moves[0]]), /moves\[1\]\.service: .* listed twice/],
        ["a host without a scheme", { ...migrations, hosts: { thanos: "thanos:2375" } }, /hosts\.thanos: expected unix:\/\//],
        ["a missing backup folder", { plan: "rebalanced", hosts: migrations.hosts, moves: migrations.moves }, /backupDir: /],
    ];
    for (const [name, raw, message] of cases) {
        it(`rejects ${name}`, () => {
            assert.throws(
                () => parseMigrationsConfig(raw, "starlord", starlordServices, where),
                (error: unknown) => error instanceof InputError && message.test(error.message),
            );
        });
    }

    it("accepts the shipped starlord moves", () => {
        const config = parseMigrationsConfig(migrations, "starlord", starlordServices, where);
        assert.equal(config.moves.length, 3);
    });
});

describe("the shipped starlord stack", () => {
    const root = path.resolve(__dirname, "..", "..");
    const program = path.join(root, "dist", "index.js");
    const stack = readStackConfig(root, "bev", "starlord");

    it("moves the rebalanced plan's eleven services from thanos", async () => {
        const run = await runProgram({ program, project: "bev", stack: "starlord", config: stack.config, preview: true });
        const commands = run.resources.filter((r) => r.type === COMMAND_TYPE);
        assert.equal(commands.length, 11);
        assert.equal(commands[0].name, "migrate-doc-analyzer-1");
    });

    it("declares no move when deploying the current plan", async () => {
        const config = { ...stack.config, "bev:plan": "current" };
        const run = await runProgram({ program, project: "bev", stack: "starlord", config, preview: true });
        assert.equal(run.resources.filter((r) => r.type === COMMAND_TYPE).length, 0);
    });
});
