/**
 * Command-line parsing shared by the check, the planner and the migrate command.
 */
import { Command, CommanderError } from "commander";

/** Exit code of every command for bad input or usage. */
export const EXIT_BAD_INPUT = 2;

/**
 * Parses `argv` with `command`, with commander's messages on stderr. Returns the exit code when
 * the command must stop (0 after `--help`, `EXIT_BAD_INPUT` on a usage error), or undefined.
 */
export function parseCommandLine(command: Command, argv: string[]): number | undefined {
    command.exitOverride().configureOutput({ writeErr: (text) => process.stderr.write(text) });
    try {
        command.parse(argv, { from: "user" });
    } catch (error) {
        if (error instanceof CommanderError) {
            return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
        }
        throw error;
    }
    return undefined;
}
