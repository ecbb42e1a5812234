import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/cli.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { runPaperboy } from "../helpers/processes.ts";

const ENV = { APP_SECRET: "s".repeat(32), ADMIN_TOKEN: "t".repeat(16) };

/** The CLI in this process, its output captured: for what never reaches a command's code. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, ENV, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** Every command a user can run, as `paperboy --help` and the groups' help list them. */
const COMMANDS = [
  "serve",
  "worker",
  "migrate",
  "dev",
  "ingest",
  "topics list",
  "topics reclassify",
  "digest",
  "preview",
  "subscribers import",
  "subscribers export",
];

describe("paperboy --help", () => {
  it("lists every command once, one short line each", async () => {
    const { code, out } = await cli("--help");
    expect(code).toBe(0);
    const listed = out
      .split("Commands:\n")[1]!
      .split("\n\n")[0]!
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[0]);
    const groups = new Set(COMMANDS.map((c) => c.split(" ")[0]));
    expect(listed).toEqual([...groups, "help"]);
    for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });

  it.each(COMMANDS)("explains `%s`: its options and an example", async (command) => {
    const { code, out } = await cli(...command.split(" "), "--help");
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: paperboy ${command}\\b`));
    expect(out).toMatch(new RegExp(`\\nExamples?:\\n  paperboy ${command}\\b`));
    expect(out).toContain("-h, --help");
  });

  it("lists each option of a command with what it is for", async () => {
    const { out } = await cli("preview", "--help");
    expect(out).toMatch(/--email <address>\s+the reader's address/);
    expect(out).toMatch(/--date <YYYY-MM-DD>\s+the edition/);
    expect(out).toMatch(/--out <file\.html>\s+write the HTML/);
  });

  it("answers through bin/paperboy.mjs too, on stdout, and `help <command>` is the same", async () => {
    const run = await runPaperboy(["--help"], ENV);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe((await cli("--help")).out);
    const help = await runPaperboy(["help", "digest"], ENV);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe((await cli("digest", "--help")).out);
  });

  it("loads no command implementation to answer (so it stays fast)", () => {
    const runtime = runtimeImports(path.resolve("src/cli/cli.ts"));
    const local = [...runtime].filter((f) => !f.startsWith("node:") && f.includes("/src/"));
    expect(local.map((f) => path.relative("src", f)).sort()).toEqual([
      "cli/cli.ts",
      "cli/command.ts",
      "cli/errors.ts",
      "cli/program.ts",
      "platform/clock.ts",
      "platform/system-errors.ts",
    ]);
    expect([...runtime].filter((f) => !f.includes("/src/"))).toEqual(["commander"]);
  });
});

describe("paperboy on bad command lines", () => {
  it.each([
    [["frobnicate"], "paperboy: unknown command 'frobnicate'"],
    [["digst"], "paperboy: unknown command 'digst'; did you mean digest?"],
    [["serve", "now"], "paperboy serve: too many arguments"],
    [["topics"], "paperboy topics: expected a subcommand: list, reclassify"],
    [["topics", "shuffle"], "paperboy topics: unknown command 'shuffle'"],
    [["subscribers"], "paperboy subscribers: expected a subcommand: import, export"],
    [["subscribers", "import"], "paperboy subscribers import: missing required argument"],
    [["ingest"], "paperboy ingest: missing required argument 'input'"],
    [["ingest", "x.json", "--source", "rss"], "argument 'rss' is invalid. Allowed choices are hf"],
    [["ingest", "x.json", "--date", "yesterday"], "Expected a date like 2026-08-18."],
    [["digest", "--date", "2026-02-30"], "paperboy digest: option '--date <YYYY-MM-DD>'"],
    [["digest", "--date"], "paperboy digest: option '--date <YYYY-MM-DD>' argument missing"],
    [["digest", "--when", "now"], "paperboy digest: unknown option '--when'"],
    [["preview"], "paperboy preview: required option '--email <address>' not specified"],
  ])("%j: exit 2 and one line saying why, pointing at the help", async (argv, reason) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(out).toBe("");
    const lines = err.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(reason);
    expect(lines[0]).toMatch(/ \(see 'paperboy[a-z ]* --help'\)$/);
  });

  it("prints the command list when given no command at all, and exits 2", async () => {
    const { code, out } = await cli();
    expect(code).toBe(2);
    expect(out).toBe((await cli("--help")).out);
  });
});

describe("paperboy topics list", () => {
  it("prints every topic's slug and name, one a line, without needing a database", async () => {
    const run = await runPaperboy(["topics", "list"], {
      ...ENV,
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.map((l) => l.split(/\s{2,}/))).toEqual(TOPICS.map((t) => [t.slug, t.name]));
  });
});

describe("paperboy and its services", () => {
  it("exits non-zero with one line about DATABASE_URL when it is nonsense", async () => {
    const run = await runPaperboy(["migrate"], { ...ENV, DATABASE_URL: "nonsense" });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      "paperboy migrate: Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://",
    ]);
  });

  it("says which service is unreachable, in words", async () => {
    const run = await runPaperboy(["migrate"], {
      ...ENV,
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/x",
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      "paperboy migrate: cannot reach Postgres (DATABASE_URL) at 127.0.0.1:1: connection refused",
    ]);
  });
});

/**
 * The files (and packages) that loading `entry` runs: its static imports that are not
 * `import type`, followed through the repo's own files. Dynamic `import()` is not followed.
 */
function runtimeImports(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  if (!entry.startsWith("/")) return seen;
  const source = readFileSync(entry, "utf8");
  for (const [, clause, from] of source.matchAll(
    /^(?:import|export)\s+([^;]*?)\s*from\s+"([^"]+)";/gms,
  )) {
    if (/^type\s/.test(clause!)) continue;
    const target = from!.startsWith(".") ? path.resolve(path.dirname(entry), from!) : from!;
    runtimeImports(target, seen);
  }
  return seen;
}
