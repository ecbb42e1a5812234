import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/platform/config.ts";
import { createDeps } from "../../../src/platform/deps.ts";
import { createMailer } from "../../../src/platform/mailer.ts";
import { buildServer } from "../../../src/processes/server.ts";
import { createTestContext, type TestContext } from "../../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("dev outbox", () => {
  it("lists what the outbox mailer wrote at /dev/outbox and shows each message", async () => {
    const config = loadConfig({ ...ctx.env, SMTP_URL: "", NODE_ENV: "development" });
    await createMailer(config).send({
      to: "reader@example.com",
      subject: "Hello",
      html: "<p>Hi <b>there</b></p>",
      text: "Hi there",
      headers: {},
      messageId: "abc.123@paperboy.test",
    });
    const [file] = readdirSync(config.OUTBOX_DIR);

    const deps = createDeps(config);
    const app = await buildServer(deps);
    const list = await app.inject("/dev/outbox");
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain("Hello");
    // The mail's page: headers, text part, a back link, and the HTML part in a sandboxed frame.
    const one = await app.inject(`/dev/outbox/${file}`);
    expect(one.body).toContain('<a href="/dev/outbox">← All mail</a>');
    expect(one.body).toContain("reader@example.com");
    expect(one.body).toMatch(/<pre class="mail-text"[^>]*>Hi there/);
    expect(one.body).toMatch(
      /<iframe class="mail-frame" sandbox="[^"]*" src="\/dev\/outbox\/[^"]+\/html"/,
    );
    // The HTML part under a mail client's rules: inline styles allowed, scripts not.
    const part = await app.inject(`/dev/outbox/${file}/html`);
    expect(part.body).toContain("<b>there</b>");
    const csp = String(part.headers["content-security-policy"]);
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    await app.close();
    await deps.close();
  });

  it("does not exist outside development", async () => {
    const app = await buildServer(ctx.deps);
    expect((await app.inject("/dev/outbox")).statusCode).toBe(404);
    await app.close();
  });
});
