import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../../helpers/context.ts";
import { activeSubscriber, FORM, form, nextIp, startApp } from "../support.ts";

/** "Email me my links": the way back for a reader who lost every mail. */
let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const ask = (email: string, ip = nextIp()) =>
  app.inject({
    method: "POST",
    url: "/links",
    headers: FORM,
    payload: form({ email }),
    remoteAddress: ip,
  });

describe("email me my links", () => {
  it("mails an active reader their links, once an hour, and answers every address alike", async () => {
    await activeSubscriber(app, ctx, "lost@example.org");
    await ctx.deps.db
      .insertInto("subscribers")
      .values([
        { email: "pending@example.org", status: "pending" },
        { email: "gone@example.org", status: "unsubscribed" },
      ])
      .execute();
    ctx.smtp.clear();

    const answers = [];
    for (const email of [
      "lost@example.org",
      "nobody@example.org",
      "pending@example.org",
      "gone@example.org",
    ]) {
      const res = await ask(email);
      expect(res.statusCode).toBe(200);
      answers.push(res.body.replaceAll(email, "ADDRESS"));
    }
    for (const a of answers) expect(a).toBe(answers[0]);
    expect(answers[0]).toContain("Check your inbox");

    const [mail] = await ctx.smtp.waitForMailTo("lost@example.org", 1);
    expect(mail!.parsed.subject).toBe("Your Paperboy links");
    expect(mail!.parsed.text).toMatch(/https:\/\/paperboy\.test\/preferences\//);
    expect(mail!.parsed.text).toMatch(/https:\/\/paperboy\.test\/unsubscribe\//);

    // A second request within the hour sends nothing more; an hour later it does.
    // (The work runs after each answer: wait for it, so the clock moves between the requests.)
    expect((await ask("LOST@example.org")).statusCode).toBe(200);
    await app.afterReplies();
    ctx.clock.advance(61 * 60 * 1000);
    expect((await ask("lost@example.org")).statusCode).toBe(200);
    await app.afterReplies();
    // One claim per hour: two, not three.
    const claims = await ctx.deps.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "links.requested")
      .execute();
    expect(claims).toHaveLength(2);
    await ctx.smtp.waitForMailTo("lost@example.org", 2);
    expect(ctx.smtp.received.flatMap((m) => m.to)).not.toContain("pending@example.org");
  });

  it("says what is wrong with a bad address beside the field", async () => {
    const res = await ask("not an address");
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('aria-invalid="true"');
    expect(res.body).toContain("Enter an email address in the form name@example.org.");
  });

  it("shares the subscribe form's per-IP limit", async () => {
    const ip = nextIp();
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await ask(`x${i}@example.org`, ip)).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // The page says what happened and how long to wait, without repeating its title.
    const page = (await ask("y@example.org", ip)).body;
    expect(page).toContain("<title>Too many requests · Paperboy</title>");
    expect(page).toMatch(
      /You sent this form several times in a short while\. Please wait [\w ]+ and try again\./,
    );
    expect(page.match(/Too many requests/g)).toHaveLength(2);
  });
});
