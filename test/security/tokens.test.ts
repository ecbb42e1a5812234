import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeLinks } from "../../src/subscribers/repository.ts";
import { signToken, type TokenPurpose } from "../../src/subscribers/tokens.ts";
import { createTestContext, TEST_SECRET, type TestContext } from "../helpers/context.ts";
import { activeSubscriber, FORM, startApp } from "../web/support.ts";

let ctx: TestContext;
let app: FastifyInstance;
let victimId: number;
let otherId: number;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
  victimId = (await activeSubscriber(app, ctx, "token-victim@example.com")).row.id;
  otherId = (await activeSubscriber(app, ctx, "token-other@example.com")).row.id;
  await new Promise((ok) => setTimeout(ok, 300)); // the welcome mails' events land after the mail
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const now = () => Math.floor(ctx.clock.now().getTime() / 1000);
const sign = (
  purpose: TokenPurpose,
  subscriberId: number,
  extra: Partial<{ version: number; issuedAt: number; secret: string }> = {},
) =>
  signToken(extra.secret ?? TEST_SECRET, {
    purpose,
    subscriberId,
    version: extra.version ?? 1,
    issuedAt: extra.issuedAt ?? now(),
  });

/** Every route that takes a token, as an attacker would call it. */
const ROUTES: {
  purpose: TokenPurpose;
  method: "GET" | "POST" | "PUT";
  path: (t: string) => string;
  body?: string;
  type?: string;
}[] = [
  { purpose: "confirm", method: "GET", path: (t) => `/confirm/${t}` },
  { purpose: "confirm", method: "POST", path: (t) => `/confirm/${t}` },
  { purpose: "manage", method: "GET", path: (t) => `/preferences/${t}` },
  {
    purpose: "manage",
    method: "POST",
    path: (t) => `/preferences/${t}`,
    body: "frequency=weekly&send_hour=3",
    type: FORM["content-type"],
  },
  { purpose: "manage", method: "GET", path: (t) => `/api/preferences/${t}` },
  {
    purpose: "manage",
    method: "PUT",
    path: (t) => `/api/preferences/${t}`,
    body: '{"send_hour":3}',
    type: "application/json",
  },
  { purpose: "unsubscribe", method: "GET", path: (t) => `/unsubscribe/${t}` },
  {
    purpose: "unsubscribe",
    method: "POST",
    path: (t) => `/unsubscribe/${t}`,
    body: "List-Unsubscribe=One-Click",
    type: FORM["content-type"],
  },
  { purpose: "unsubscribe", method: "POST", path: (t) => `/unsubscribe/${t}/resubscribe` },
];

function flipBit(token: string, index: number): string {
  const [payload, mac] = token.split(".") as [string, string];
  const bytes = Buffer.from(index < 0 ? mac : payload, "base64url");
  const i = Math.abs(index) % bytes.length;
  bytes[i]! ^= 1 << (Math.abs(index) % 8);
  const flipped = bytes.toString("base64url");
  return index < 0 ? `${payload}.${flipped}` : `${flipped}.${mac}`;
}

/** The forgeries an attacker can make for a route of `purpose` aimed at the victim. */
function forgeries(purpose: TokenPurpose): [string, string][] {
  const genuine = sign(purpose, victimId);
  const other = (["confirm", "manage", "unsubscribe"] as const).filter((p) => p !== purpose);
  return [
    ["random", "q8Zr4vN1xYw2.Qk3t9b0VfGmZ1c7pLr5sXo2uWn8yHeA4dJ6iKaT0bPqCzRlMxE"],
    ["empty-looking", "."],
    ["bit-flipped payload", flipBit(genuine, 3)],
    ["bit-flipped MAC", flipBit(genuine, -5)],
    ["truncated", genuine.slice(0, -2)],
    ["extended", `${genuine}A`],
    ...other.map((p) => [`other purpose (${p})`, sign(p, victimId)] as [string, string]),
    ["other secret", sign(purpose, victimId, { secret: `${TEST_SECRET}x` })],
    [
      "other subscriber's id in a genuine token's payload",
      (() => {
        const [, mac] = genuine.split(".");
        const payload = Buffer.from(
          `${{ confirm: "c", manage: "m", unsubscribe: "u" }[purpose]}.${otherId}.1.${purpose === "confirm" ? now() : 0}`,
        ).toString("base64url");
        return `${payload}.${mac}`;
      })(),
    ],
    ["revoked version", sign(purpose, victimId, { version: 0 + 1 - 1 || 99 })],
    ["unknown subscriber", sign(purpose, 987654)],
  ];
}

async function victimState() {
  const { rows } = await sql`
    select s.status, s.token_version, row_to_json(p) as prefs,
           (select max(id) from events) as events
    from subscribers s join preferences p on p.subscriber_id = s.id
    where s.id = ${victimId}`.execute(ctx.deps.db);
  return JSON.stringify(rows[0]);
}

describe("forged tokens", () => {
  it("every forgery on every token route is a 404 and changes nothing", async () => {
    const before = await victimState();
    const accepted: string[] = [];
    for (const route of ROUTES) {
      for (const [kind, token] of forgeries(route.purpose)) {
        const res = await app.inject({
          method: route.method,
          url: route.path(encodeURIComponent(token)),
          ...(route.body ? { payload: route.body, headers: { "content-type": route.type! } } : {}),
        });
        if (res.statusCode !== 404)
          accepted.push(`${route.method} ${route.path("T")} ${kind}: ${res.statusCode}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(await victimState()).toBe(before);
  });

  it("rejects an expired confirm link, and a confirm link from before the reader left", async () => {
    const old = sign("confirm", victimId, { issuedAt: now() - 8 * 24 * 3600 });
    expect((await app.inject({ method: "POST", url: `/confirm/${old}` })).statusCode).toBe(404);
    const fresh = sign("confirm", otherId);
    ctx.clock.advance(2_000);
    const unsubscribe = sign("unsubscribe", otherId);
    expect(
      (await app.inject({ method: "POST", url: `/unsubscribe/${unsubscribe}` })).statusCode,
    ).toBe(200);
    expect((await app.inject({ method: "POST", url: `/confirm/${fresh}` })).statusCode).toBe(404);
  });

  it("revoking links turns every earlier manage and unsubscribe link into a 404", async () => {
    const manage = sign("manage", victimId);
    expect((await app.inject(`/preferences/${manage}`)).statusCode).toBe(200);
    await revokeLinks(ctx.deps.db, victimId, ctx.clock.now());
    expect((await app.inject(`/preferences/${manage}`)).statusCode).toBe(404);
    expect(
      (await app.inject({ method: "POST", url: `/unsubscribe/${sign("unsubscribe", victimId)}` }))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject(`/preferences/${sign("manage", victimId, { version: 2 })}`)).statusCode,
    ).toBe(200);
  });
});
