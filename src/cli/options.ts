/** Options that several commands share, spelled and checked the same way everywhere. */
import { Option } from "commander";

/** `--format <format>` limited to `choices`, the first being the default; another value is a usage error (exit 2). */
export const formatOption = (choices: string[]) => new Option("--format <format>", `output format: ${choices.join(", ")}`).choices(choices).default(choices[0]);
