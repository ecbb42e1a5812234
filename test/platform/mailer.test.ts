import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/platform/config.ts";
import { createMailer } from "../../src/platform/mailer.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const mail = {
  to: "reader@example.com",
  subject: "Hello",
  html: "<p>Hi <b>there</b></p>",
  text: "Hi there",
  headers: { "X-Test": "1" },
  messageId: "abc.123@paperboy.test",
};

describe("mailer", () => {
  it("sends both parts over SMTP with the given Message-ID", async () => {
    const sent = await ctx.deps.mailer.send(mail);
    expect(sent.response).toMatch(/^250/);
    const [got] = await ctx.smtp.waitFor(1);
    expect(got!.to).toEqual(["reader@example.com"]);
    expect(got!.parsed.messageId).toBe("<abc.123@paperboy.test>");
    expect(got!.parsed.html).toContain("<b>there</b>");
    expect(got!.parsed.text?.trim()).toBe("Hi there");
    expect(got!.parsed.headers.get("x-test")).toBe("1");
  });

  it("writes .eml files to the dev outbox when SMTP_URL is unset", async () => {
    const config = loadConfig({ ...ctx.env, SMTP_URL: "", NODE_ENV: "development" });
    const outbox = createMailer(config);
    expect(outbox.kind).toBe("outbox");
    await outbox.send(mail);
    const files = readdirSync(config.OUTBOX_DIR);
    expect(files).toHaveLength(1);
    expect(readFileSync(path.join(config.OUTBOX_DIR, files[0]!), "utf8")).toContain(
      "Subject: Hello",
    );
  });
});
