import { InputError } from "./units";

/** Parses JSON text, or throws `InputError` at `source:line:column` of the syntax error. */
export function parseJsonText(text: string, source: string): unknown {
    try {
        return JSON.parse(text);
    } catch (error) {
        const message = (error as Error).message;
        const offset = /at position (\d+)/.exec(message);
        let at = "";
        if (offset !== null) {
            const before = text.slice(0, Number(offset[1])).split("\n");
            at = `:${before.length}:${before[before.length - 1].length + 1}`;
        }
        throw new InputError(`${source}${at}`, `invalid JSON: ${message}`);
    }
}
