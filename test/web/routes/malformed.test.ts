import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../../helpers/context.ts";
import { activeSubscriber, count, FORM, form, nextIp, startApp } from "../support.ts";

let ctx: TestContext;
let app: FastifyInstance;
let manage: string;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
  ({ manage } = await activeSubscriber(app, ctx, "victim@example.com"));
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

/** Everything a bad request could have changed. */
async function snapshot() {
  const prefs = await app.inject(`/api${manage}`);
  return {
    subscribers: await count(ctx, "subscribers"),
    topics: await count(ctx, "subscriber_topics"),
    events: await count(ctx, "events"),
    mails: ctx.smtp.received.length,
    prefs: prefs.json(),
  };
}

const JSON_TYPE = { "content-type": "application/json" };
type Case = {
  method: "POST" | "PUT";
  url: () => string;
  headers: Record<string, string>;
  payload: string;
  status: number;
  message: RegExp;
};
const subscribeJson = (body: unknown, status = 400, message = /./): Case => ({
  method: "POST",
  url: () => "/api/subscriptions",
  headers: JSON_TYPE,
  payload: typeof body === "string" ? body : JSON.stringify(body),
  status,
  message,
});
const putPrefs = (body: unknown, message: RegExp): Case => ({
  method: "PUT",
  url: () => `/api${manage}`,
  headers: JSON_TYPE,
  payload: JSON.stringify(body),
  status: 400,
  message,
});
const postPrefsForm = (fields: Record<string, string>, message: RegExp): Case => ({
  method: "POST",
  url: () => manage,
  headers: FORM,
  payload: form({
    topics: "agents",
    frequency: "daily",
    weekly_day: "1",
    send_hour: "8",
    timezone: "UTC",
    max_papers: "10",
    min_upvotes: "0",
    skip_empty: "on",
    ...fields,
  }),
  status: 400,
  message,
});

const cases: Record<string, Case> = {
  "bad email": subscribeJson({ email: "not-an-email" }, 400, /email is not a valid address/),
  "missing email": subscribeJson({ topics: ["agents"] }, 400, /email is required/),
  "blank email": subscribeJson({ email: "   " }, 400, /email is required/),
  "email too long": subscribeJson({ email: `${"a".repeat(250)}@example.com` }, 400, /too long/),
  "SQL in email": subscribeJson(
    { email: "x'; drop table subscribers;--@example.com" },
    400,
    /not a valid address/,
  ),
  "HTML in email": subscribeJson(
    { email: "<script>alert(1)</script>@example.com" },
    400,
    /not a valid address/,
  ),
  "unknown topic": subscribeJson(
    { email: "new@example.com", topics: ["agents", "basket-weaving"] },
    400,
    /unknown topic: basket-weaving/,
  ),
  "topics not a list": subscribeJson({ email: "new@example.com", topics: "agents" }, 400, /topics/),
  "bad timezone": subscribeJson(
    { email: "new@example.com", timezone: "Mars/Olympus_Mons" },
    400,
    /timezone is not a known IANA time zone/,
  ),
  "offset instead of zone": subscribeJson(
    { email: "new@example.com", timezone: "+05:00" },
    400,
    /timezone/,
  ),
  "bad frequency": subscribeJson(
    { email: "new@example.com", frequency: "hourly" },
    400,
    /frequency must be daily or weekly/,
  ),
  "unknown field": subscribeJson(
    { email: "new@example.com", status: "active" },
    400,
    /unknown field: status/,
  ),
  "JSON array body": subscribeJson([{ email: "new@example.com" }], 400, /expected an object/),
  "invalid JSON": subscribeJson('{"email": "new@example.com"', 400, /JSON/i),
  "empty JSON body": subscribeJson("", 400, /empty/i),
  "wrong content type": {
    ...subscribeJson("email=new@example.com"),
    headers: { "content-type": "text/plain" },
    status: 415,
    message: /Unsupported content type/,
  },
  "JSON to the form route": {
    ...subscribeJson({ email: "new@example.com" }),
    url: () => "/subscribe",
    status: 415,
    message: /Unsupported content type/,
  },
  "huge body": subscribeJson(
    { email: "new@example.com", topics: Array(20_000).fill("agents") },
    413,
    /too large/,
  ),
  "form: bad email": {
    method: "POST",
    url: () => "/subscribe",
    headers: FORM,
    payload: form({ email: "<b>bold</b>@@example.com", topics: "agents" }),
    status: 400,
    message: /Enter an email address in the form name@example\.org\./,
  },
  "form: unknown topic": {
    method: "POST",
    url: () => "/subscribe",
    headers: FORM,
    payload: form({ email: "new@example.com", topics: "nope" }),
    status: 400,
    message: /We don’t know the topic “nope”: choose from the list\./,
  },
  "send_hour 24": putPrefs({ send_hour: 24 }, /send_hour must be between 0 and 23/),
  "send_hour as text": putPrefs({ send_hour: "7" }, /send_hour must be a whole number/),
  "fractional send_hour": putPrefs({ send_hour: 7.5 }, /send_hour must be a whole number/),
  "max_papers 0": putPrefs({ max_papers: 0 }, /max_papers must be between 1 and 50/),
  "max_papers 51": putPrefs({ max_papers: 51 }, /max_papers must be between 1 and 50/),
  "negative min_upvotes": putPrefs({ min_upvotes: -1 }, /min_upvotes must be between 0/),
  "weekly_day 7": putPrefs({ weekly_day: 7 }, /weekly_day must be between 0 and 6/),
  "impossible pause date": putPrefs({ paused_until: "2026-02-30" }, /paused_until must be a date/),
  "skip_empty not boolean": putPrefs({ skip_empty: "yes" }, /skip_empty must be true or false/),
  "too many keywords": putPrefs(
    { keywords: Array.from({ length: 21 }, (_, i) => `kw${i}`) },
    /at most 20 keywords/,
  ),
  "unknown topic with valid changes": putPrefs(
    { send_hour: 5, topics: ["agents", "nope"] },
    /unknown topic: nope/,
  ),
  "bad timezone in preferences": putPrefs({ timezone: "Europe/Atlantis" }, /timezone/),
  "unknown preferences field": putPrefs({ status: "active" }, /unknown field: status/),
  "form: send_hour not a number": postPrefsForm(
    { send_hour: "eight" },
    /Choose an hour from 0:00 to 23:00\./,
  ),
  "form: max_papers empty": postPrefsForm(
    { max_papers: "" },
    /Choose from 1 to 50 papers per digest\./,
  ),
  "form: SQL in timezone": postPrefsForm(
    { timezone: "UTC'; update subscribers set status='active';--" },
    /Choose your time zone from the list/,
  ),
};

describe("malformed input", () => {
  it(`has at least 20 kinds (${Object.keys(cases).length})`, () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(20);
  });

  it.each(Object.entries(cases))("%s: clear 4xx, nothing changed", async (_name, c) => {
    const before = await snapshot();
    const res = await app.inject({
      method: c.method,
      url: c.url(),
      headers: c.headers,
      payload: c.payload,
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(c.status);
    const isJson = String(res.headers["content-type"]).includes("application/json");
    const message = isJson ? res.json().error : res.body;
    expect(message).toMatch(c.message);
    // Pages escape what the reader typed.
    expect(res.body).not.toContain("<script>alert");
    expect(res.body).not.toContain("<b>bold</b>");
    await new Promise((ok) => setTimeout(ok, 50));
    expect(await snapshot()).toEqual(before);
  });

  it("stores HTML typed into preferences as text and shows it escaped", async () => {
    const res = await app.inject({
      method: "PUT",
      url: `/api${manage}`,
      payload: { keywords: ['<img src=x onerror="alert(1)">'] },
    });
    expect(res.statusCode).toBe(200);
    const page = await app.inject(manage);
    expect(page.body).not.toContain("<img src=x");
    expect(page.body).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });
});
