import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { stringify } from "yaml";

import { InputError } from "../model/units";
import { loadInventory, readInventoryFile, shippedInventory } from "../stacks/inventory";
import { parseInventory } from "../stacks/schema";

function totals(plan: string, node: string) {
    const services = loadInventory().plans[plan].filter((s) => s.node === node);
    return {
        count: services.length,
        memoryMiB: services.reduce((sum, s) => sum + s.memoryMiB, 0),
        cpuMillicores: services.reduce((sum, s) => sum + s.cpuMillicores, 0),
        vramMiB: services.reduce((sum, s) => sum + (s.gpu?.vramMiB ?? 0), 0),
    };
}

describe("shipped inventory", () => {
    it("puts 166.25 GiB and 45.5 cores on THANOS today", () => {
        const thanos = totals("current", "thanos");
        assert.equal(thanos.memoryMiB, 166.25 * 1024);
        assert.equal(thanos.cpuMillicores, 45_500);
    });

    it("puts 51 services, 20.77 GiB and 3.81 cores on ORACLE1 today", () => {
        const oracle1 = totals("current", "oracle1");
        assert.equal(oracle1.count, 51);
        assert.equal((oracle1.memoryMiB / 1024).toFixed(2), "20.77");
        assert.equal(oracle1.cpuMillicores, 3_810);
    });

    it("gives THANOS 55 GiB and 14 cores after rebalancing", () => {
        const thanos = totals("rebalanced", "thanos");
        assert.equal(thanos.memoryMiB, 55 * 1024);
        assert.equal(thanos.cpuMillicores, 14_000);
    });

    it("gives STARLORD 45 GiB and 20 GiB of VRAM after rebalancing", () => {
        const starlord = totals("rebalanced", "starlord");
        assert.equal(starlord.memoryMiB, 45 * 1024);
        assert.equal(starlord.vramMiB, 20 * 1024);
    });

    it("gives ORACLE1 20 GiB and 3.5 cores after rebalancing", () => {
        const oracle1 = totals("rebalanced", "oracle1");
        assert.equal(oracle1.memoryMiB, 20 * 1024);
        assert.equal(oracle1.cpuMillicores, 3_500);
    });

    it("holds the same services in both plans", () => {
        const names = (plan: string) => loadInventory().plans[plan].map((s) => s.name).sort();
        assert.deepEqual(names("current"), names("rebalanced"));
    });

    it("marks every fill-in as assumed with a reason", () => {
        const unmarked = loadInventory().plans.current.filter((s) => s.assumed === undefined);
        assert.deepEqual(unmarked.map((s) => s.name), []);
    });

    it("reads back from YAML unchanged", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-"));
        const file = path.join(dir, "inventory.yaml");
        fs.writeFileSync(file, stringify(shippedInventory));
        const fromFile = readInventoryFile(file);
        fs.rmSync(dir, { recursive: true, force: true });
        assert.deepEqual(fromFile.plans, loadInventory().plans);
        assert.deepEqual(fromFile.nodes, loadInventory().nodes);
    });
});

describe("parseInventory", () => {
    const base = () => ({
        nodes: { thanos: { memory: "64g", cpus: 16, arch: "amd64", gpus: [{ id: "0", model: "RTX 3080", vram: "10g" }] } },
        plans: { current: [{ name: "web", node: "thanos", image: "nginx:1.27", memory: "1g", cpus: 1 }] },
    });

    function rejects(mutate: (inventory: any) => void, message: RegExp) {
        const inventory: any = base();
        mutate(inventory);
        assert.throws(() => parseInventory(inventory, "inventory.yaml"), (error: unknown) => {
            assert.ok(error instanceof InputError, String(error));
            assert.match(error.message, message);
            return true;
        });
    }

    it("accepts a minimal inventory", () => {
        const inventory = parseInventory(base(), "inventory.yaml");
        assert.equal(inventory.plans.current[0].memoryMiB, 1024);
    });

    it("rejects a bad memory size with its path", () => {
        rejects((i) => (i.plans.current[0].memory = "2GB "), /^inventory\.yaml: plans\.current\[0\]\.memory: invalid size "2GB "/);
    });

    it("rejects an unknown node", () => {
        rejects((i) => (i.plans.current[0].node = "thor"), /plans\.current\[0\]\.node: unknown node "thor".*expected one of thanos/);
    });

    it("rejects a wrong type with the value", () => {
        rejects((i) => (i.nodes.thanos.cpus = true), /nodes\.thanos\.cpus: invalid value true: expected a number of cores/);
    });

    it("rejects unknown keys", () => {
        rejects((i) => (i.plans.current[0].memroy = "1g"), /plans\.current\[0\]\.memroy: unknown key "memroy": expected one of name, node, image, memory,/);
    });

    it("rejects duplicate service names", () => {
        rejects((i) => i.plans.current.push({ ...i.plans.current[0] }), /duplicate service name "web"/);
    });

    it("rejects a reservation above the limit", () => {
        rejects((i) => (i.plans.current[0].memoryReservation = "2g"), /memory reservation "2g" is above the memory limit "1g"/);
    });

    it("rejects more cores than the node has", () => {
        rejects((i) => (i.plans.current[0].cpus = 17), /CPU limit 17 of "web" is above the 16 cores of node thanos/);
    });

    it("rejects a GPU request on a node without GPUs", () => {
        rejects((i) => {
            i.nodes.thanos.gpus = [];
            i.plans.current[0].gpu = { count: 1, vram: "1g" };
        }, /requests a GPU but node thanos has none/);
    });

    it("rejects both count and device ids", () => {
        rejects((i) => (i.plans.current[0].gpu = { count: 1, deviceIds: ["0"], vram: "1g" }), /either `deviceIds` or `count`/);
    });

    it("rejects a device id the node lacks", () => {
        rejects((i) => (i.plans.current[0].gpu = { deviceIds: ["1"], vram: "1g" }), /GPU "1" not found on node thanos/);
    });

    it("rejects a VRAM budget larger than the card", () => {
        rejects((i) => (i.plans.current[0].gpu = { deviceIds: ["0"], vram: "12g" }), /VRAM budget "12g" .* above the 10\.00 GiB of GPU 0/);
    });
});

describe("readInventoryFile", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-inventory-"));

    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("names the line of a YAML syntax error", () => {
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(file, "nodes:\n  thanos: [\n");
        assert.throws(() => readInventoryFile(file), /broken\.yaml:\d+:\d+: invalid YAML/);
    });

    it("names a missing file", () => {
        assert.throws(() => readInventoryFile(path.join(dir, "absent.json")), /absent\.json: cannot read the inventory: file not found/);
    });

    it("rejects a file that is not a mapping", () => {
        const file = path.join(dir, "list.json");
        fs.writeFileSync(file, "[1, 2]");
        assert.throws(() => readInventoryFile(file), /invalid inventory: expected a mapping with `nodes` and `plans`/);
    });
});
