import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/services.mjs";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { PaperboyProcess } from "../helpers/processes.ts";
import { waitUntil } from "../helpers/wait.ts";

let ctx: TestContext;
let serve: PaperboyProcess;
let port: number;

beforeAll(async () => {
  ctx = await createTestContext();
  port = await freePort();
  serve = new PaperboyProcess("serve", {
    ...ctx.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  });
});
afterAll(async () => {
  serve.close();
  await ctx.close();
});

describe("paperboy serve on SIGTERM", () => {
  it("finishes a request that is still arriving, then exits 0", async () => {
    serve.start();
    await waitUntil(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      "serve to listen",
      { timeoutMs: 60_000, everyMs: 200 },
    );
    const body = JSON.stringify({ email: "graceful@r.test" });
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/api/subscriptions",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((ok, fail) => {
      req.on("response", (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      req.on("error", fail);
    });
    // Half the body is in when SIGTERM arrives; the rest follows while the server stops.
    req.write(body.slice(0, 10));
    await new Promise((ok) => setTimeout(ok, 200));
    const termAt = Date.now();
    const stopped = serve.stop();
    await new Promise((ok) => setTimeout(ok, 300));
    req.end(body.slice(10));
    expect(await answered).toBe(202);
    expect(await stopped).toBe(0);
    console.log(`serve SIGTERM: open request answered 202, exit 0 after ${Date.now() - termAt} ms`);
  }, 90_000);
});
