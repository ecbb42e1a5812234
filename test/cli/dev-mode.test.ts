import { createServer } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devSummary } from "../../src/cli/commands/dev.ts";
import { describeFailure } from "../../src/cli/errors.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps } from "../../src/platform/deps.ts";
import { wantsPrettyLogs } from "../../src/platform/logger.ts";
import { buildServer } from "../../src/processes/server.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("dev mode", () => {
  it("starts with one short summary: site, outbox, admin and its token, docs, send now", () => {
    const config = loadConfig({
      ...ctx.env,
      NODE_ENV: "development",
      SMTP_URL: "",
      PUBLIC_URL: "http://localhost:3000",
    });
    const summary = devSummary(config);
    expect(summary).toContain("Site        http://localhost:3000");
    expect(summary).toContain("http://localhost:3000/dev/outbox");
    expect(summary).toMatch(/Admin +http:\/\/localhost:3000\/admin .*ADMIN_TOKEN in \.env/);
    expect(summary).toContain("http://localhost:3000/docs");
    expect(summary).toContain("npm run paperboy -- digest");
    expect(summary.split("\n").length).toBeLessThanOrEqual(7);
    expect(summary).not.toContain(config.ADMIN_TOKEN);
  });

  it("says which variable to set when the port is busy", async () => {
    const first = createServer();
    await new Promise<void>((ok) => first.listen(0, "127.0.0.1", ok));
    const port = (first.address() as { port: number }).port;
    const error = await new Promise<Error>((ok) => {
      const second = createServer();
      second.once("error", ok);
      second.listen(port, "127.0.0.1");
    });
    first.close();
    const { line, code } = describeFailure(error, { PORT: String(port) });
    expect(line).toBe(
      `port ${port} is already in use: set PORT to a free one (e.g. PORT=${port + 1}), or stop what is listening there`,
    );
    expect(code).toBe(1);
  });

  it("logs human-readable lines only in development at a terminal", () => {
    expect(wantsPrettyLogs({ NODE_ENV: "development" }, true)).toBe(true);
    expect(wantsPrettyLogs({ NODE_ENV: "development" }, false)).toBe(false);
    expect(wantsPrettyLogs({ NODE_ENV: "production" }, true)).toBe(false);
    expect(wantsPrettyLogs({ NODE_ENV: "production", LOG_PRETTY: true }, false)).toBe(true);
    expect(wantsPrettyLogs({ NODE_ENV: "development", LOG_PRETTY: false }, true)).toBe(false);
  });

  it("does not log a request line per static file at info, but does for pages", async () => {
    const lines: { msg: string; route?: string }[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _e, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const deps = createDeps(ctx.config, { clock: ctx.clock, logger });
    const app = await buildServer(deps);
    expect((await app.inject("/static/app.css")).statusCode).toBe(200);
    expect((await app.inject("/healthz")).statusCode).toBe(200);
    expect((await app.inject("/static/nope.css")).statusCode).toBe(404);
    await app.close();
    await deps.close();
    const routes = lines.filter((l) => l.msg === "request").map((l) => l.route);
    expect(routes).toEqual(["/healthz", "(no route)"]);
  });
});
