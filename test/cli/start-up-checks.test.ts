import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/cli.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

/**
 * What every process checks before it does any work: a production configuration that would
 * send broken mail, and a Postgres or Redis that does not answer. Each refusal is one line on
 * stderr, naming the variable or the service and its host, and never a password.
 */
let ctx: TestContext;
let silent: Server;
const sockets = new Set<Socket>();
let silentUrl: string;
beforeAll(async () => {
  ctx = await createTestContext();
  // Accepts connections and never says a word: a host behind a firewall that drops packets.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
  silentUrl = `127.0.0.1:${(silent.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  silent.close();
  await ctx.close();
});

/** `paperboy ARGS` in this process: its exit code and what it wrote to stderr. */
async function run(args: string[], env: Record<string, string>) {
  let stderr = "";
  const code = await main(
    args,
    { ...ctx.env, ...env },
    { out: () => {}, err: (t) => (stderr += t) },
  );
  return { code, stderr: stderr.trimEnd() };
}

const PASSWORD = "hunter2-never-print-me";
const DEAD_POSTGRES = `postgres://paperboy:${PASSWORD}@127.0.0.1:1/paperboy`;
const DEAD_REDIS = `redis://default:${PASSWORD}@127.0.0.1:2`;

function csv(): string {
  const file = path.join(ctx.env.OUTBOX_DIR!, "readers.csv");
  writeFileSync(file, "email,topics,timezone,frequency\nreader@example.com,llms,UTC,daily\n");
  return file;
}

describe("a production configuration that would send broken mail", () => {
  const broken = {
    NODE_ENV: "production",
    PUBLIC_URL: "",
    MAIL_FROM: "",
    SMTP_URL: "smtp://relay.example.org:587",
  };

  // `dev` is not here: it is a laptop's and runs as development whatever NODE_ENV says.
  it.each([["serve"], ["worker"], ["migrate"], ["digest"], ["subscribers", "export"]])(
    "stops `paperboy %s` with one line naming PUBLIC_URL",
    async (...args) => {
      const result = await run(args, broken);
      expect(result.code).toBe(2);
      expect(result.stderr.split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/PUBLIC_URL must be an https URL whose host is not localhost/);
    },
  );

  it("names MAIL_FROM once PUBLIC_URL is right", async () => {
    const result = await run(["worker"], { ...broken, PUBLIC_URL: "https://news.example.org" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^paperboy worker: Invalid configuration: MAIL_FROM /);
  });
});

describe("a dead dependency", () => {
  const postgresDown = { DATABASE_URL: DEAD_POSTGRES };
  const redisDown = { REDIS_URL: DEAD_REDIS };

  it.each([
    [["migrate"], postgresDown],
    [["ingest", "data/sample"], postgresDown],
    [["topics", "reclassify"], postgresDown],
    [["preview", "--email", "reader@example.com"], postgresDown],
    [["subscribers", "export"], postgresDown],
    [["subscribers", "import", "CSV"], postgresDown],
    [["digest"], postgresDown],
    [["worker"], postgresDown],
  ])("`paperboy %s` names Postgres and its host, not the password", async (args, env) => {
    const result = await run(
      args.map((a) => (a === "CSV" ? csv() : a)),
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /cannot reach Postgres \(DATABASE_URL\) at 127\.0\.0\.1:1: connection refused/,
    );
    expect(result.stderr).not.toContain(PASSWORD);
  });

  it.each([[["digest"]], [["worker"]], [["dev"]]])(
    "`paperboy %s` names Redis and its host, not the password",
    async (args) => {
      const result = await run(args, redisDown);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^paperboy \w+: cannot reach Redis \(REDIS_URL\) at 127\.0\.0\.1:2: connection refused$/,
      );
      expect(result.stderr).not.toContain(PASSWORD);
    },
  );

  it("names both when both are down", async () => {
    const result = await run(["worker"], { ...postgresDown, ...redisDown });
    expect(result.stderr).toMatch(
      /cannot reach Postgres \(DATABASE_URL\) at 127\.0\.0\.1:1: .*; nor Redis \(REDIS_URL\) at 127\.0\.0\.1:2: /,
    );
  });

  it("gives up on services that accept connections but never answer, well within 10 s", async () => {
    const started = Date.now();
    const result = await run(["digest"], {
      DATABASE_URL: `postgres://paperboy:${PASSWORD}@${silentUrl}/paperboy`,
      REDIS_URL: `redis://:${PASSWORD}@${silentUrl}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `Postgres \\(DATABASE_URL\\) at ${silentUrl}: .+; nor Redis \\(REDIS_URL\\) at ${silentUrl}: no answer within 5 s`,
      ),
    );
    expect(result.stderr).not.toContain(PASSWORD);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);

  it("a real `paperboy digest` process with Redis down exits with that line instead of hanging", async () => {
    const child = spawn("node", ["bin/paperboy.mjs", "digest"], {
      env: { ...process.env, ...ctx.env, ...redisDown },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const hang = setTimeout(() => child.kill("SIGKILL"), 45_000);
    const code = await new Promise((ok) => child.on("close", ok));
    clearTimeout(hang);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "paperboy digest: cannot reach Redis (REDIS_URL) at 127.0.0.1:2: connection refused",
    );
  }, 60_000);
});
