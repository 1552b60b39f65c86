/**
 * The migrate command's input handling and the tar listing, without Docker daemons.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { compareListings, listTarFile, listingLines } from "../migrate/listing";
import { parseMoves } from "../migrate/moves";
import { InputError } from "../model/units";

const ROOT = path.resolve(__dirname, "..", "..");
const MIGRATE = path.join(ROOT, "dist", "cli", "migrate.js");

function migrate(...args: string[]) {
    const run = spawnSync(process.execPath, [MIGRATE, ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: run.status, stderr: run.stderr };
}

describe("npm run migrate input", () => {
    let scratch: string;

    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bev-migrate-cli-"));
    });

    after(() => {
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    const single = ["--service", "grafana", "--from", "thanos", "--to", "starlord", "--backup-dir"];

    it("exits 2 without --to", () => {
        const run = migrate("--service", "grafana", "--from", "thanos", "--backup-dir", scratch);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /--to: missing/);
    });

    it("exits 2 when a node has no host", () => {
        const run = migrate(...single, scratch, "--source-host", "unix:///run/a.sock");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /missing Docker host of node starlord/);
    });

    it("exits 2 on an invalid host", () => {
        const run = migrate(...single, scratch, "--source-host", "thanos:2375", "--target-host", "unix:///run/b.sock");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /invalid Docker host "thanos:2375"/);
    });

    it("exits 2 on an invalid memory limit", () => {
        const hosts = ["--source-host", "unix:///run/a.sock", "--target-host", "unix:///run/b.sock"];
        const run = migrate(...single, scratch, ...hosts, "--memory", "3");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /--memory: invalid size "3"/);
    });

    it("exits 2 on a moves file entry without a node", () => {
        const file = path.join(scratch, "moves.yaml");
        fs.writeFileSync(file, "- { service: grafana, from: oracle1 }\n");
        const run = migrate("--moves", file, "--backup-dir", scratch);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /moves\.yaml: \[0\]\.to: /);
    });

    it("exits 1 and changes nothing when a daemon is unreachable", () => {
        const hosts = ["--source-host", `unix://${scratch}/none-a.sock`, "--target-host", `unix://${scratch}/none-b.sock`];
        const run = migrate(...single, scratch, ...hosts);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /failed at step preflight: cannot reach the Docker daemon .*Nothing was changed/);
    });
});

describe("moves lists", () => {
    it("reads a list and a list under moves", () => {
        const move = { service: "grafana", from: "oracle1", to: "thanos" };
        assert.deepEqual(parseMoves([move], "moves.json"), [move]);
        assert.deepEqual(parseMoves({ moves: [move] }, "moves.json"), [move]);
    });

    it("rejects a service moved twice", () => {
        const move = { service: "grafana", from: "oracle1", to: "thanos" };
        assert.throws(
            () => parseMoves([move, { ...move, from: "thanos", to: "starlord" }], "moves.json"),
            (error: unknown) => error instanceof InputError && /\[1\]\.service: service "grafana" is moved twice/.test(error.message),
        );
    });
});

describe("tar listing", () => {
    let scratch: string;
    const longName = `${"deep-folder-name/".repeat(8)}file-with-a-long-name.bin`;
    const content = randomBytes(70_000);

    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bev-tar-"));
        const folder = path.join(scratch, "volume");
        fs.mkdirSync(path.join(folder, path.dirname(longName)), { recursive: true });
        fs.writeFileSync(path.join(folder, longName), content);
        fs.writeFileSync(path.join(folder, "a.txt"), "hello\n", { mode: 0o600 });
        fs.symlinkSync("a.txt", path.join(folder, "link"));
        fs.linkSync(path.join(folder, "a.txt"), path.join(folder, "hard"));
        for (const format of ["gnu", "pax", "ustar"]) {
            const tar = spawnSync("tar", [`--format=${format}`, "-C", folder, "-cf", path.join(scratch, `${format}.tar`), "."], {
                encoding: "utf8",
            });
            assert.equal(tar.status, 0, tar.stderr);
        }
    });

    after(() => {
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    for (const format of ["gnu", "pax"]) {
        it(`hashes files of a ${format} archive with long names`, async () => {
            const { entries } = await listTarFile(path.join(scratch, `${format}.tar`));
            const file = entries.find((e) => e.path === longName);
            assert.ok(file, `no entry ${longName}`);
            assert.equal(file.sha256, createHash("sha256").update(content).digest("hex"));
        });
    }

    it("gives a hard link the content of its target", async () => {
        const { entries } = await listTarFile(path.join(scratch, "gnu.tar"));
        const first = entries.find((e) => e.path === "a.txt");
        const second = entries.find((e) => e.path === "hard");
        assert.equal(first?.mode, "600");
        assert.equal(second?.sha256, first?.sha256);
    });

    it("records symbolic link targets", async () => {
        const lines = listingLines((await listTarFile(path.join(scratch, "gnu.tar"))).entries);
        assert.ok(lines.some((line) => /^symlink 777 \d+:\d+ - \/link -> a\.txt$/.test(line)), lines.join("\n"));
    });

    it("lists the same entries in every format", async () => {
        const gnu = listingLines((await listTarFile(path.join(scratch, "gnu.tar"))).entries);
        const pax = listingLines((await listTarFile(path.join(scratch, "pax.tar"))).entries);
        assert.deepEqual(compareListings(gnu, pax), []);
    });

    it("reports a truncated archive", async () => {
        const truncated = path.join(scratch, "truncated.tar");
        fs.writeFileSync(truncated, fs.readFileSync(path.join(scratch, "gnu.tar")).subarray(0, 20_000));
        await assert.rejects(listTarFile(truncated), /truncated/);
    });

    it("names a changed file", () => {
        const differences = compareListings(["file 644 0:0 aa /x", "dir 755 0:0 - /"], ["file 644 0:0 bb /x", "dir 755 0:0 - /"]);
        assert.deepEqual(differences, ["/x: expected file 644 0:0 aa /x, found file 644 0:0 bb /x"]);
    });
});
