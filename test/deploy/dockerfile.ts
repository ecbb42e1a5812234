import { readFileSync } from "node:fs";
import { DockerfileParser } from "dockerfile-ast";

export const DOCKERFILE = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");

export interface Step {
  keyword: string;
  /** Arguments without flags, as written (no variable expansion). */
  args: string[];
  /** Flags such as --from=build, by name. */
  flags: Record<string, string>;
  text: string;
}

/** The Dockerfile's stages by name, each as its instructions in order. */
export function stages(content = DOCKERFILE): Map<string, Step[]> {
  const result = new Map<string, Step[]>();
  let current: Step[] | undefined;
  for (const instruction of DockerfileParser.parse(content).getInstructions()) {
    const keyword = instruction.getKeyword();
    const flags: Record<string, string> = {};
    const withFlags = instruction as unknown as {
      getFlags?: () => { getName(): string; getValue(): string | null }[];
    };
    for (const flag of withFlags.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue() ?? "";
    const step: Step = {
      keyword,
      args: instruction.getArguments().map((a) => a.getValue()),
      flags,
      text: instruction.getArgumentsContent() ?? "",
    };
    if (keyword === "FROM") {
      const name = step.args[2] ?? `stage${result.size}`;
      current = [];
      result.set(name, current);
    }
    current?.push(step);
  }
  return result;
}

/** COPY sources → destination of one step, relative to WORKDIR (a trailing / means a folder). */
export function copyOf(step: Step): { sources: string[]; destination: string } {
  const parts = [...step.args];
  const destination = parts.pop()!;
  return { sources: parts, destination };
}
