import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/services.mjs";
import { addReaders } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { REAL_DIR } from "../papers/real-days.ts";
import { copyOf, type Step, stages } from "./dockerfile.ts";

/**
 * The Docker image without Docker: the build stage's COPY set in a clean folder gets
 * `npm run build`; the runtime stage's COPY set in another gets `npm ci --omit=dev` (from the
 * npm cache) and the build. From there — no dev dependency, no TypeScript source, no tsx —
 * every process runs against real Postgres, Redis and SMTP, as the image would run it.
 */
const exec = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const EDITION = "2026-08-17";
let ctx: TestContext;
let work: string;
let app: string;
let env: Record<string, string>;
const children = new Set<ChildProcess>();

/**
 * COPY steps of one stage into `dir`: those from the build context, or (with `from`) those
 * `--from=<stage>`, whose sources come from that stage's folder.
 */
function applyCopies(steps: Step[], dir: string, from?: Record<string, string>): void {
  for (const step of steps.filter((s) => s.keyword === "COPY" && !s.flags.from === !from)) {
    const { sources, destination } = copyOf(step);
    const origin = step.flags.from ? from![step.flags.from]! : repo;
    for (const source of sources) {
      const relative = step.flags.from ? path.relative("/app", source) : source;
      const target = destination.endsWith("/")
        ? path.join(dir, destination, path.basename(source))
        : path.join(dir, destination);
      cpSync(path.join(origin, relative), target, { recursive: true });
    }
  }
}

function runs(steps: Step[], command: string): boolean {
  return steps.some((s) => s.keyword === "RUN" && s.text.includes(command));
}

beforeAll(async () => {
  ctx = await createTestContext();
  work = mkdtempSync(path.join(tmpdir(), "paperboy-image-"));
  const dockerStages = stages();
  const build = dockerStages.get("build")!;
  const runtime = dockerStages.get("runtime")!;
  expect(runs(build, "npm ci") && runs(build, "npm run build")).toBe(true);
  expect(runs(runtime, "npm ci --omit=dev")).toBe(true);

  const buildDir = path.join(work, "build");
  mkdirSync(buildDir);
  applyCopies(build, buildDir);
  // The stage's `npm ci` installs what this checkout already has: link it instead.
  symlinkSync(path.join(repo, "node_modules"), path.join(buildDir, "node_modules"));
  app = path.join(work, "app");
  mkdirSync(app);
  applyCopies(runtime, app);
  // The two stages are independent until the runtime copies the build, as in BuildKit.
  await Promise.all([
    exec("npm", ["run", "build"], { cwd: buildDir }),
    exec(
      "npm",
      ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      { cwd: app },
    ),
  ]);
  applyCopies(runtime, app, { build: buildDir });
  // The image's ENV (NODE_ENV=production) over the test's own settings, nothing inherited.
  const imageEnv = runtime
    .filter((s) => s.keyword === "ENV")
    .flatMap((s) => s.args.map((a) => a.split("=") as [string, string]));
  env = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? tmpdir(),
    ...ctx.env,
    ...Object.fromEntries(imageEnv),
    PUBLIC_URL: "https://paperboy.example.org",
    MAIL_FROM: "Paperboy <digest@example.org>",
    HF_PAPERS_URL: "http://127.0.0.1:9/hf",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
  };
}, 300_000);
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  if (work) rmSync(work, { recursive: true, force: true });
  await ctx?.close();
  // Removing a whole production install can take longer than the default 10 s on a busy machine.
}, 60_000);

function paperboy(args: string[], extra: Record<string, string> = {}) {
  return exec("node", ["bin/paperboy.mjs", ...args], { cwd: app, env: { ...env, ...extra } });
}

/** Start a long-running command; resolves once `ready` appears in its output. */
function start(args: string[], ready: string, extra: Record<string, string> = {}) {
  const child = spawn("node", ["bin/paperboy.mjs", ...args], {
    cwd: app,
    env: { ...env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  return new Promise<ChildProcess>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(ready)) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${args[0]} exited ${code}:\n${output}`)));
  });
}

describe("the production install (the image's runtime stage)", () => {
  it("holds the build and production dependencies only", () => {
    expect(env.NODE_ENV).toBe("production");
    expect(existsSync(path.join(app, "dist/src/cli/main.js"))).toBe(true);
    expect(existsSync(path.join(app, "dist/templates/digest.mjml"))).toBe(true);
    expect(existsSync(path.join(app, "src"))).toBe(false);
    for (const dev of ["tsx", "mailparser", "vitest", "smtp-server", "@biomejs/biome"]) {
      expect(existsSync(path.join(app, "node_modules", dev)), dev).toBe(false);
    }
  });

  it("runs the build whatever NODE_ENV says when there are no sources, and says so when asked for them", async () => {
    expect((await paperboy(["--help"], { NODE_ENV: "test" })).stdout).toContain("migrate");
    await expect(paperboy(["--help"], { PAPERBOY_RUN: "src" })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^paperboy: no build in dist\/ and no tsx .*\n$/),
    });
  });

  it("runs --help and migrate from the build", async () => {
    const help = await paperboy(["--help"]);
    expect(help.stdout).toMatch(/serve .*\n.*worker/s);
    const migrate = await paperboy(["migrate"]);
    expect(migrate.stdout).toContain("Database is up to date.");
  });

  it("serves pages, static files and health, and the HEALTHCHECK command agrees", async () => {
    const port = String(await freePort());
    const server = await start(["serve"], '"msg":"serving"', { PORT: port });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: "ok" });
    const landing = await fetch(`${base}/`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("<form");
    expect((await fetch(`${base}/static/app.css`)).status).toBe(200);
    // No dev outbox in production, and asking for it does not need mailparser.
    expect((await fetch(`${base}/dev/outbox`)).status).toBe(404);
    await exec("node", ["bin/healthcheck.mjs"], { cwd: app, env: { ...env, PORT: port } });
    server.kill("SIGTERM");
    await new Promise((ok) => server.once("exit", ok));
    await expect(
      exec("node", ["bin/healthcheck.mjs"], { cwd: app, env: { ...env, PORT: port } }),
    ).rejects.toMatchObject({ code: 1 });
  });

  it("starts the worker, logging JSON when LOG_PRETTY asks for pino-pretty (a dev dependency)", async () => {
    const worker = await start(["worker"], '"msg":"worker started"', { LOG_PRETTY: "true" });
    worker.kill("SIGTERM");
    await new Promise((ok) => worker.once("exit", ok));
  });

  it("starts serve with Redis down, and /readyz names it", async () => {
    const port = String(await freePort());
    const server = await start(["serve"], '"msg":"serving"', {
      PORT: port,
      REDIS_URL: "redis://127.0.0.1:1",
    });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ failing: ["redis"] });
    server.kill("SIGKILL");
  });

  it("ingests a real day, lists readers and sends a digest rendered from the build's templates", async () => {
    const ingest = await paperboy(["ingest", `${REAL_DIR}hf-daily-papers-${EDITION}.json`]);
    expect(ingest.stdout).toMatch(/: [1-9]\d* inserted, 0 updated, 0 unchanged, 0 rejected/);
    await addReaders(ctx.deps.db, [{ email: "image-reader@example.com", sendHour: 0 }]);
    const exported = await paperboy(["subscribers", "export"]);
    expect(exported.stderr).toContain("exported 1 subscribers");
    const run = await paperboy(["digest"]);
    expect(run.stdout).toMatch(/1 sent, 0 skipped, 0 failed/);
    const [mail] = await ctx.smtp.waitFor(1);
    expect(mail!.parsed.html).toContain("https://paperboy.example.org/unsubscribe/");
    expect(mail!.raw).toMatch(/^List-Id: Paperboy <paperboy\.example\.org>\r?$/m);
  });
});
