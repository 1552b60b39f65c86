/**
 * The BEV platform on one node. Stack config names the node (`bev:node`), the plan to deploy
 * (`bev:plan`) and the node's Docker host (`bev:dockerHost`). `bev:inventory` optionally points
 * at an inventory file to use instead of the shipped one. `bev:migrations` optionally lists services
 * to move onto this node from others before their containers are created (see the README).
 */
import * as pulumi from "@pulumi/pulumi";

import { MigrationsConfig, parseMigrationsConfig } from "./components/migrations";
import { Node } from "./components/node";
import { InputError } from "./model/units";
import { loadInventory } from "./stacks/inventory";

const config = new pulumi.Config("bev");
const nodeName = config.require("node");
const planName = config.require("plan");
const dockerHost = config.require("dockerHost");
const inventory = loadInventory(config.get("inventory"));

const node = inventory.nodes[nodeName];
if (node === undefined) {
    throw new InputError(
        "config bev:node",
        `unknown node "${nodeName}" in ${inventory.source}: expected one of ${Object.keys(inventory.nodes).join(", ")}`,
    );
}
const services = inventory.plans[planName];
if (services === undefined) {
    throw new InputError(
        "config bev:plan",
        `unknown plan "${planName}" in ${inventory.source}: expected one of ${Object.keys(inventory.plans).join(", ")}`,
    );
}

const nodeServices = services.filter((service) => service.node === nodeName);
const migrations = readMigrations();

const deployment = new Node(nodeName, {
    node,
    plan: planName,
    services: nodeServices,
    dockerHost,
    ...(migrations === undefined ? {} : { migrations }),
});

/**
 * Reads `bev:migrations`. Returns undefined when it is absent or names another plan than this
 * stack deploys, which happens when the check runs another plan with `--plan` or `--inventory`.
 */
function readMigrations(): MigrationsConfig | undefined {
    const raw = config.getObject<{ plan?: unknown }>("migrations");
    if (raw === undefined) {
        return undefined;
    }
    if (typeof raw.plan !== "string") {
        throw new InputError("config bev:migrations.plan", `invalid plan ${JSON.stringify(raw.plan)}: expected the name of a plan`);
    }
    if (raw.plan !== planName) {
        if (inventory.plans[raw.plan] === undefined) {
            pulumi.log.warn(
                `bev:migrations names plan "${raw.plan}", which ${inventory.source} does not have, so no moves are declared. ` +
                    `Expected one of ${Object.keys(inventory.plans).join(", ")}.`,
            );
        }
        return undefined;
    }
    const target = inventory.plans[planName];
    return parseMigrationsConfig(raw, nodeName, target.filter((service) => service.node === nodeName), "config bev:migrations");
}

export const capacity = deployment.capacity;
