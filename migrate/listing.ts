/**
 * Listings of a volume's contents that can be compared byte for byte: every entry's path, type,
 * permission bits and owner, and the SHA-256 of every regular file's content.
 *
 * The same listing comes from two places: from a tar archive read here, and from a helper
 * container that runs busybox `find`, `stat` and `sha256sum` over the mounted volume. Equal
 * listings mean the archive contains exactly the volume's files, or that a restore wrote them back.
 */
import { createHash, Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

export type EntryType = "file" | "dir" | "symlink" | "other";

/** One file system entry of a volume. Paths are relative to the volume root, which is "". */
export interface ListingEntry {
    path: string;
    type: EntryType;
    /** Permission bits in octal, as `stat -c %a` prints them, such as `644` or `1777`. */
    mode: string;
    uid: number;
    gid: number;
    /** SHA-256 of the content in hex, for regular files only. */
    sha256?: string;
    /** Target of a symbolic link. */
    linkTarget?: string;
}

/**
 * Shell script for a helper container: prints `stat` lines, `sha256sum` lines and symbolic link
 * targets (`path|target`) for everything under the mounted volume, with `--` between the parts.
 */
export function listingScript(mount: string): string {
    return (
        `cd ${mount} && find . -exec stat -c '%F|%a|%u|%g|%n' {} + && echo -- && find . -type f -exec sha256sum {} + && ` +
        `echo -- && find . -type l -exec sh -c 'for f; do printf "%s|%s\\n" "$f" "$(readlink "$f")"; done' sh {} +`
    );
}

/** Normalizes `./a/b/`, `a/b` and `./` to `a/b` and "". */
export function normalizePath(path: string): string {
    let normalized = path.replace(/^\.\/?/, "").replace(/\/+$/, "");
    if (normalized === ".") {
        normalized = "";
    }
    return normalized;
}

/** Renders an entry as one comparable line. */
export function entryLine(entry: ListingEntry): string {
    const line = `${entry.type} ${entry.mode} ${entry.uid}:${entry.gid} ${entry.sha256 ?? "-"} /${entry.path}`;
    return entry.linkTarget === undefined ? line : `${line} -> ${entry.linkTarget}`;
}

/** Returns the listing's lines sorted by path, the form kept in the manifest. */
export function listingLines(entries: ListingEntry[]): string[] {
    // Sorted by code unit, not by locale, so that every machine writes the same order.
    const sorted = [...entries].sort((a, b) => {
        if (a.path === b.path) {
            return 0;
        }
        return a.path < b.path ? -1 : 1;
    });
    return sorted.map(entryLine);
}

const STAT_TYPES: Record<string, EntryType> = {
    "regular file": "file",
    "regular empty file": "file",
    directory: "dir",
    "symbolic link": "symlink",
};

/**
 * Parses the output of `listingScript`. Throws when a line does not have the expected form.
 * NOTE: a file name that contains a newline is read as two entries.
 */
export function parseHelperListing(output: string): ListingEntry[] {
    const [statPart, hashPart, linkPart] = output.split(/^--$/m);
    if (linkPart === undefined) {
        throw new Error(`unexpected listing output from the helper container: ${JSON.stringify(output.slice(0, 200))}`);
    }
    const entries = new Map<string, ListingEntry>();
    for (const line of statPart.split("\n").filter((l) => l !== "")) {
        const fields = line.split("|");
        if (fields.length < 5) {
            throw new Error(`unexpected stat line from the helper container: ${JSON.stringify(line)}`);
        }
        const [kind, mode, uid, gid] = fields;
        const path = normalizePath(fields.slice(4).join("|"));
        entries.set(path, { path, type: STAT_TYPES[kind] ?? "other", mode, uid: Number(uid), gid: Number(gid) });
    }
    for (const line of hashPart.split("\n").filter((l) => l !== "")) {
        const match = /^([0-9a-f]{64}) {2}(.*)$/.exec(line);
        const entry = match === null ? undefined : entries.get(normalizePath(match[2]));
        if (match === null || entry === undefined) {
            throw new Error(`unexpected sha256sum line from the helper container: ${JSON.stringify(line)}`);
        }
        entry.sha256 = match[1];
    }
    for (const line of linkPart.split("\n").filter((l) => l !== "")) {
        // Split at the last "|": link targets rarely contain one, and paths are matched exactly.
        const bar = line.lastIndexOf("|");
        const entry = bar === -1 ? undefined : entries.get(normalizePath(line.slice(0, bar)));
        if (entry === undefined) {
            throw new Error(`unexpected symbolic link line from the helper container: ${JSON.stringify(line)}`);
        }
        entry.linkTarget = line.slice(bar + 1);
    }
    return [...entries.values()];
}

const BLOCK = 512;

/** Entry types by tar type flag: regular file, contiguous file, hard link, directory, symbolic link. */
const TAR_TYPES: Record<string, EntryType> = { "0": "file", "7": "file", "1": "file", "5": "dir", "2": "symlink" };

function readString(block: Buffer, start: number, length: number): string {
    const field = block.subarray(start, start + length);
    const end = field.indexOf(0);
    return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** Reads a tar number field: octal text, or base-256 when the high bit of the first byte is set. */
function readNumber(block: Buffer, start: number, length: number): number {
    const field = block.subarray(start, start + length);
    if ((field[0] & 0x80) !== 0) {
        let value = 0;
        for (let i = 1; i < length; i++) {
            value = value * 256 + field[i];
        }
        return value;
    }
    const text = readString(block, start, length).trim();
    return text === "" ? 0 : Number.parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
    const records: Record<string, string> = {};
    let offset = 0;
    while (offset < data.length) {
        const space = data.indexOf(0x20, offset);
        if (space === -1) {
            break;
        }
        const length = Number.parseInt(data.subarray(offset, space).toString("utf8"), 10);
        if (!Number.isFinite(length) || length <= 0) {
            break;
        }
        const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
        const equals = record.indexOf("=");
        records[record.slice(0, equals)] = record.slice(equals + 1);
        offset += length;
    }
    return records;
}

/**
 * A writable that parses a tar stream (ustar, GNU long names, pax path records) and builds its
 * listing, hashing each file's content as it passes.
 */
class TarLister extends Writable {
    readonly entries = new Map<string, ListingEntry>();
    private pending: Buffer = Buffer.alloc(0);
    private remaining = 0;
    private padding = 0;
    private current: { entry?: ListingEntry; hash?: Hash; meta?: Buffer[]; metaType?: string } = {};
    private longName: string | undefined;
    private paxPath: string | undefined;
    private longLinkTarget: string | undefined;
    private paxLinkTarget: string | undefined;
    private ended = false;

    override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
        try {
            this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
            this.consume();
            callback();
        } catch (error) {
            callback(error as Error);
        }
    }

    override _final(callback: (error?: Error | null) => void): void {
        callback(this.remaining > 0 ? new Error("the tar archive ends inside an entry: it is truncated") : null);
    }

    private consume(): void {
        for (;;) {
            if (this.remaining > 0) {
                const take = Math.min(this.remaining, this.pending.length);
                if (take === 0) {
                    return;
                }
                const data = this.pending.subarray(0, take);
                this.current.hash?.update(data);
                this.current.meta?.push(Buffer.from(data));
                this.pending = this.pending.subarray(take);
                this.remaining -= take;
                if (this.remaining > 0) {
                    return;
                }
                this.finishEntry();
            }
            if (this.padding > 0) {
                const skip = Math.min(this.padding, this.pending.length);
                this.pending = this.pending.subarray(skip);
                this.padding -= skip;
                if (this.padding > 0) {
                    return;
                }
            }
            if (this.pending.length < BLOCK) {
                return;
            }
            const header = this.pending.subarray(0, BLOCK);
            this.pending = this.pending.subarray(BLOCK);
            if (this.ended || header.every((byte) => byte === 0)) {
                this.ended = true;
                continue;
            }
            this.startEntry(header);
        }
    }

    private startEntry(header: Buffer): void {
        const size = readNumber(header, 124, 12);
        const typeFlag = String.fromCharCode(header[156] === 0 ? 0x30 : header[156]);
        this.remaining = size;
        this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
        if (typeFlag === "L" || typeFlag === "x" || typeFlag === "K" || typeFlag === "g") {
            this.current = { meta: [], metaType: typeFlag };
        } else {
            const prefix = readString(header, 345, 155);
            const name = readString(header, 0, 100);
            const rawPath = this.paxPath ?? this.longName ?? (prefix === "" ? name : `${prefix}/${name}`);
            this.longName = undefined;
            this.paxPath = undefined;
            const linkTarget = this.paxLinkTarget ?? this.longLinkTarget ?? readString(header, 157, 100);
            this.longLinkTarget = undefined;
            this.paxLinkTarget = undefined;
            const path = normalizePath(rawPath);
            const type: EntryType = TAR_TYPES[typeFlag] ?? "other";
            const entry: ListingEntry = {
                path,
                type,
                mode: (readNumber(header, 100, 8) & 0o7777).toString(8),
                uid: readNumber(header, 108, 8),
                gid: readNumber(header, 116, 8),
            };
            if (typeFlag === "1") {
                // A hard link carries no content: it has the content of the entry it links to.
                entry.sha256 = this.entries.get(normalizePath(linkTarget))?.sha256;
                this.current = { entry };
            } else if (type === "symlink") {
                entry.linkTarget = linkTarget;
                this.current = { entry };
            } else {
                this.current = type === "file" ? { entry, hash: createHash("sha256") } : { entry };
            }
        }
        if (size === 0) {
            this.finishEntry();
        }
    }

    private finishEntry(): void {
        const { entry, hash, meta, metaType } = this.current;
        if (meta !== undefined) {
            const data = Buffer.concat(meta);
            if (metaType === "L") {
                this.longName = readString(data, 0, data.length);
            } else if (metaType === "K") {
                this.longLinkTarget = readString(data, 0, data.length);
            } else if (metaType === "x") {
                const records = parsePax(data);
                this.paxPath = records.path;
                this.paxLinkTarget = records.linkpath;
            }
        } else if (entry !== undefined) {
            if (hash !== undefined) {
                entry.sha256 = hash.digest("hex");
            }
            this.entries.set(entry.path, entry);
        }
        this.current = {};
    }
}

/** Reads a tar file and returns its listing and the SHA-256 of the whole file. */
export async function listTarFile(file: string): Promise<{ entries: ListingEntry[]; sha256: string; bytes: number }> {
    const lister = new TarLister();
    const hash = createHash("sha256");
    let bytes = 0;
    const stream = createReadStream(file);
    stream.on("data", (chunk) => {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
    });
    await pipeline(stream, lister);
    return { entries: [...lister.entries.values()], sha256: hash.digest("hex"), bytes };
}

/**
 * Compares two listings and returns up to `max` differences as text, such as
 * `/a.bin: expected file 644 0:0 <hash>, found file 644 0:0 <other hash>`; empty when equal.
 */
export function compareListings(expected: string[], actual: string[], max = 5): string[] {
    const byPath = (lines: string[]) => new Map(lines.map((line) => [line.slice(line.indexOf(" /") + 1), line]));
    const want = byPath(expected);
    const got = byPath(actual);
    const differences: string[] = [];
    for (const [path, line] of want) {
        const other = got.get(path);
        if (other === undefined) {
            differences.push(`${path}: missing (expected ${line})`);
        } else if (other !== line) {
            differences.push(`${path}: expected ${line}, found ${other}`);
        }
    }
    for (const [path, line] of got) {
        if (!want.has(path)) {
            differences.push(`${path}: unexpected entry ${line}`);
        }
    }
    return differences.length > max ? [...differences.slice(0, max), `and ${differences.length - max} more`] : differences;
}
