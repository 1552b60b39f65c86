/**
 * Creates the folder of an output file, one level at a time.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Creates the missing folders above `file`, from the nearest existing one down. Throws when that
 * one is a file, or with the file system's error when a folder cannot be created. `mkdirSync` with `recursive: true` is avoided:
 * on Node.js 20 it loops without end under /proc, where mkdir fails with ENOENT.
 */
export function createParentFolders(file: string): void {
    const missing: string[] = [];
    let folder = path.dirname(path.resolve(file));
    while (!fs.existsSync(folder)) {
        missing.unshift(folder);
        const parent = path.dirname(folder);
        if (parent === folder) {
            break;
        }
        folder = parent;
    }
    if (!fs.statSync(folder).isDirectory()) {
        throw new Error(`${folder} is not a folder`);
    }
    for (const created of missing) {
        fs.mkdirSync(created);
    }
}
