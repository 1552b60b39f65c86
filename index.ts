/**
 * The BEV platform on one node. Stack config names the node (`bev:node`), the plan to deploy
 * (`bev:plan`) and the node's Docker host (`bev:dockerHost`). `bev:inventory` optionally points
 * at an inventory file to use instead of the shipped one.
 */
import * as pulumi from "@pulumi/pulumi";

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

const deployment = new Node(nodeName, {
    node,
    plan: planName,
    services: services.filter((service) => service.node === nodeName),
    dockerHost,
});

export const capacity = deployment.capacity;
