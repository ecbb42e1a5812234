import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import type { FastifyInstance, InjectOptions } from "fastify";
import { sql } from "kysely";
import { parseArxivFeed } from "../../src/papers/arxiv.ts";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import { SourceError } from "../../src/papers/paper.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { buildServer } from "../../src/processes/server.ts";
import { signToken, type TokenPurpose } from "../../src/subscribers/tokens.ts";

/**
 * Property-based fuzzing of every route and content type, and of the feed parsers with mutated
 * real files. A route may answer anything but a 5xx; an answer of 400 or above must change
 * nothing (no new reader, event, suppression or delivery, the victim's row and preferences
 * untouched). A parser may reject input only with a SourceError (one clear line).
 */

export interface RouteStats {
  route: string;
  cases: number;
  "2xx": number;
  "3xx": number;
  "4xx": number;
  "5xx": number;
  stateChanges: number;
  examples: string[];
}

export interface FuzzReport {
  routes: RouteStats[];
  cases: number;
  serverErrors: number;
  stateChanges: number;
  parsers: {
    hfCases: number;
    arxivCases: number;
    rejectedCleanly: number;
    parserCrashes: number;
    /** Parsed papers holding a NUL or a character XML 1.0 forbids (must be 0). */
    unsafeText: number;
  };
  parserCrashes: number;
}

export interface Victim {
  id: number;
  manage: string;
  unsubscribe: string;
  confirm: string;
}

const junk = fc.string({ unit: "binary", maxLength: 60 });
/** Text an attacker's feed may hold: C0 controls, NUL, U+FFFE/U+FFFF, lone surrogates. */
const hostileText = fc.string({
  unit: fc.constantFrom(
    "\u0000",
    "\u0001",
    "\u0007",
    "\u0008",
    "\u000B",
    "\u000C",
    "\u001B",
    "\u001F",
    "\uFFFE",
    "\uFFFF",
    "\uD800",
    "\uDC00",
    "a",
    " ",
    "<",
    "&",
  ),
  maxLength: 30,
});
/** A NUL or a character XML 1.0 forbids, raw. */
const NOT_XML_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** One mailbox spelled many ways (list bombing): plus-tags, dots, case, googlemail. */
const addressVariant = fc
  .tuple(
    fc.constantFrom("victim", "v.ictim", "vi.c.tim", "VICTIM", "Victim"),
    fc.oneof(
      fc.constant(""),
      fc.nat(999).map((n) => `+${n}`),
    ),
    fc.constantFrom("gmail.com", "googlemail.com", "GMAIL.com", "example.org"),
  )
  .map(([local, tag, domain]) => `${local}${tag}@${domain}`);
const topicSlug = fc.oneof(fc.constantFrom(...TOPICS.map((t) => t.slug)), junk);
const email = fc.oneof(
  fc.emailAddress().map((e) => `fuzz.${e}`),
  addressVariant,
  junk,
  fc.constantFrom("", " ", "a@", "@b.c", "a@b", `${"x".repeat(300)}@example.com`, "<script>@x.y"),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const remoteAddress = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255))
  .map(([a, b, c]) => `10.${a}.${b}.${c}`);
const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "application/xml",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded; charset=latin1",
    "",
  ),
  junk,
);
const query = fc
  .array(fc.tuple(junk, junk), { maxLength: 4 })
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ""));
const extraHeaders = fc.record(
  {
    accept: fc.oneof(fc.constantFrom("application/json", "text/html", "*/*"), junk),
    // Cross-site posts (list bombing through visitors' browsers, admin CSRF).
    origin: fc.oneof(
      fc.constantFrom("https://evil.test", "null", "https://paperboy.test", "http://paperboy.test"),
      junk,
    ),
    "sec-fetch-site": fc.constantFrom("cross-site", "same-site", "same-origin", "none"),
    "x-forwarded-for": fc.oneof(junk, fc.constant("1.2.3.4, 5.6.7.8")),
    "accept-language": junk,
    cookie: junk,
  },
  { requiredKeys: [] },
);
const safeHeaders = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v)));

const formBody = fc.oneof(
  fc
    .record(
      {
        email,
        topics: fc.array(topicSlug, { maxLength: 4 }),
        timezone: fc.oneof(fc.constantFrom("Europe/Berlin", "UTC", "Mars/Base"), junk),
        frequency: fc.oneof(fc.constantFrom("daily", "weekly"), junk),
        website: fc.oneof(fc.constant(""), junk),
        keywords: junk,
        authors: junk,
        send_hour: fc.oneof(fc.integer({ min: -5, max: 30 }).map(String), junk),
        weekly_day: fc.oneof(fc.integer({ min: -1, max: 8 }).map(String), junk),
        max_papers: fc.oneof(fc.integer({ min: -1, max: 100 }).map(String), junk),
        min_upvotes: fc.oneof(fc.integer({ min: -1, max: 100000 }).map(String), junk),
        paused_until: fc.oneof(fc.constantFrom("2026-12-01", "2026-02-30"), junk),
        via: fc.constantFrom("page", "x"),
      },
      { requiredKeys: [] },
    )
    .map((r) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(r)) {
        for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
      }
      return params.toString();
    }),
  junk,
);
const slugs = fc.array(fc.constantFrom(...TOPICS.map((t) => t.slug)), { maxLength: 3 });
/** Well-formed bodies, so the fuzzing also reaches past validation into the accepting paths. */
const plausibleJson = fc.oneof(
  fc.record(
    {
      email: fc
        .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom("example.com", "mail.test"))
        .map(([local, domain]) => `fuzz.${local}@${domain}`),
      topics: slugs,
      timezone: fc.constantFrom("Europe/Berlin", "UTC", "America/New_York"),
      frequency: fc.constantFrom("daily", "weekly"),
    },
    { requiredKeys: ["email"] },
  ),
  fc.record(
    {
      topics: slugs,
      keywords: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
      send_hour: fc.integer({ min: 0, max: 23 }),
      frequency: fc.constantFrom("daily", "weekly"),
      max_papers: fc.integer({ min: 1, max: 50 }),
      skip_empty: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
);
const plausibleForm = fc
  .oneof(
    plausibleJson,
    fc.record({
      topics: slugs,
      keywords: fc.string({ maxLength: 30 }),
      authors: fc.string({ maxLength: 30 }),
      frequency: fc.constantFrom("daily", "weekly"),
      weekly_day: fc.integer({ min: 0, max: 6 }),
      send_hour: fc.integer({ min: 0, max: 23 }),
      timezone: fc.constantFrom("Europe/Berlin", "UTC"),
      max_papers: fc.integer({ min: 1, max: 50 }),
      min_upvotes: fc.integer({ min: 0, max: 100 }),
    }),
  )
  .map((r) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(r)) {
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    return params.toString();
  });
const jsonBody = fc.oneof(
  fc
    .record(
      {
        email,
        topics: fc.oneof(fc.array(topicSlug, { maxLength: 4 }), anyJson),
        timezone: fc.oneof(fc.constantFrom("Europe/Berlin", "UTC"), anyJson),
        frequency: fc.oneof(fc.constantFrom("daily", "weekly"), anyJson),
        keywords: fc.oneof(fc.array(junk, { maxLength: 3 }), anyJson),
        authors: fc.oneof(fc.array(junk, { maxLength: 3 }), anyJson),
        send_hour: fc.oneof(fc.integer({ min: -5, max: 30 }), anyJson),
        weekly_day: fc.oneof(fc.integer({ min: -1, max: 8 }), anyJson),
        max_papers: fc.oneof(fc.integer({ min: -1, max: 100 }), anyJson),
        min_upvotes: fc.oneof(fc.integer(), anyJson),
        skip_empty: fc.oneof(fc.boolean(), anyJson),
        paused_until: fc.oneof(fc.constantFrom("2026-12-01", null), anyJson),
        __proto__: anyJson,
        constructor: anyJson,
      },
      { requiredKeys: [] },
    )
    .map((r) => JSON.stringify(r)),
  anyJson.map((v) => JSON.stringify(v)),
  junk,
);
const multipart = fc
  .tuple(junk, junk)
  .map(
    ([name, value]) =>
      `--xyz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n--xyz--\r\n`,
  );
const anyBody = fc.oneof(formBody, jsonBody, multipart, fc.constant(""));

/** Tokens an attacker could try: junk, token-shaped noise, genuine ones altered or misused. */
function forgedToken(victim: Victim, secret: string, purpose: TokenPurpose) {
  const genuine = {
    confirm: victim.confirm,
    manage: victim.manage,
    unsubscribe: victim.unsubscribe,
  };
  const others = Object.entries(genuine)
    .filter(([p]) => p !== purpose)
    .map(([, t]) => t);
  return fc.oneof(
    junk,
    fc.stringMatching(/^[A-Za-z0-9_-]{8,40}\.[A-Za-z0-9_-]{43}$/),
    fc.constantFrom(...others),
    fc.tuple(fc.nat(genuine[purpose].length - 1), fc.integer({ min: 1, max: 63 })).map(([i, d]) => {
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const t = genuine[purpose];
      const c = alphabet[(alphabet.indexOf(t[i]!) + d) % 64] ?? "A";
      return t.slice(0, i) + c + t.slice(i + 1);
    }),
    fc
      .record({
        subscriberId: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        version: fc.integer({ min: 1, max: 5 }),
        issuedAt: fc.integer({ min: 0, max: 2 ** 32 }),
      })
      .map((c) => signToken(`${secret}-guess`, { ...c, purpose })),
    fc.constantFrom(
      `${genuine[purpose]}x`,
      genuine[purpose].slice(0, -1),
      "..%2f..%2fetc",
      "%",
      "%00",
      "%zz",
      "%E0%A4%A",
      "%C0%AF",
    ),
    // Over-long tokens (the router's limit is 100 characters a segment).
    fc.integer({ min: 90, max: 6000 }).map((n) => genuine[purpose] + "A".repeat(n)),
  );
}

type CaseGen = { route: string; arb: fc.Arbitrary<InjectOptions>; valid?: boolean };

function routeCases(victim: Victim, secret: string): CaseGen[] {
  const enc = (t: string) => (/^[A-Za-z0-9._~%-]*$/.test(t) ? t : encodeURIComponent(t));
  const withToken = (purpose: TokenPurpose) => forgedToken(victim, secret, purpose).map(enc);
  const req = (
    method: InjectOptions["method"],
    url: fc.Arbitrary<string>,
    body: fc.Arbitrary<string> | null,
    type: fc.Arbitrary<string> = contentType,
  ): fc.Arbitrary<InjectOptions> =>
    fc
      .record({ url, type, body: body ?? fc.constant(""), headers: extraHeaders, remoteAddress })
      .map((c) => ({
        method,
        url: c.url,
        remoteAddress: c.remoteAddress,
        headers: {
          ...safeHeaders(c.headers as Record<string, string>),
          ...(body !== null && /^[\t\x20-\x7e]*$/.test(c.type) ? { "content-type": c.type } : {}),
        },
        ...(body !== null ? { payload: c.body } : {}),
      }));
  const formType = fc.oneof(
    { weight: 3, arbitrary: fc.constant("application/x-www-form-urlencoded") },
    { weight: 1, arbitrary: contentType },
  );
  const jsonType = fc.oneof(
    { weight: 3, arbitrary: fc.constant("application/json") },
    { weight: 1, arbitrary: contentType },
  );
  const jsonish = fc.oneof(
    plausibleJson.map((b) => JSON.stringify(b)),
    anyBody,
  );
  const formish = fc.oneof(plausibleForm, anyBody);
  return [
    {
      route: "GET /",
      arb: req(
        "GET",
        query.map((q) => `/${q}`),
        null,
      ),
    },
    { route: "POST /subscribe", arb: req("POST", fc.constant("/subscribe"), formish, formType) },
    {
      route: "POST /api/subscriptions",
      arb: req("POST", fc.constant("/api/subscriptions"), jsonish, jsonType),
    },
    {
      route: "GET /confirm/:token",
      arb: req(
        "GET",
        withToken("confirm").map((t) => `/confirm/${t}`),
        null,
      ),
    },
    {
      route: "POST /confirm/:token",
      arb: req(
        "POST",
        withToken("confirm").map((t) => `/confirm/${t}`),
        anyBody,
      ),
    },
    {
      route: "GET /preferences/:token",
      arb: req(
        "GET",
        withToken("manage").map((t) => `/preferences/${t}`),
        null,
      ),
    },
    {
      route: "POST /preferences/:token (forged)",
      arb: req(
        "POST",
        withToken("manage").map((t) => `/preferences/${t}`),
        formBody,
        formType,
      ),
    },
    {
      route: "POST /preferences/:token (genuine, fuzzed form)",
      arb: req("POST", fc.constant(`/preferences/${victim.manage}`), formish, formType),
      valid: true,
    },
    {
      route: "GET /api/preferences/:token",
      arb: req(
        "GET",
        withToken("manage").map((t) => `/api/preferences/${t}`),
        null,
      ),
    },
    {
      route: "PUT /api/preferences/:token (forged)",
      arb: req(
        "PUT",
        withToken("manage").map((t) => `/api/preferences/${t}`),
        jsonBody,
        jsonType,
      ),
    },
    {
      route: "PUT /api/preferences/:token (genuine, fuzzed JSON)",
      arb: req("PUT", fc.constant(`/api/preferences/${victim.manage}`), jsonish, jsonType),
      valid: true,
    },
    {
      route: "GET /unsubscribe/:token",
      arb: req(
        "GET",
        withToken("unsubscribe").map((t) => `/unsubscribe/${t}`),
        null,
      ),
    },
    {
      route: "POST /unsubscribe/:token",
      arb: req(
        "POST",
        withToken("unsubscribe").map((t) => `/unsubscribe/${t}`),
        anyBody,
      ),
    },
    {
      route: "POST /unsubscribe/:token/resubscribe",
      arb: req(
        "POST",
        withToken("unsubscribe").map((t) => `/unsubscribe/${t}/resubscribe`),
        anyBody,
      ),
    },
    {
      route: "GET /digests/:date",
      arb: req(
        "GET",
        fc
          .oneof(
            junk.map(encodeURIComponent),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
          )
          .map((d) => `/digests/${d}`),
        null,
      ),
    },
    {
      route: "GET /digests, /feed.xml, /feed.json",
      arb: req(
        "GET",
        fc
          .tuple(fc.constantFrom("/digests", "/feed.xml", "/feed.json"), query)
          .map(([p, q]) => p + q),
        null,
      ),
    },
    {
      route: "POST /webhooks/bounce (bad secret)",
      arb: fc
        .tuple(req("POST", fc.constant("/webhooks/bounce"), anyBody, jsonType), junk)
        .map(([c, auth]) => ({
          ...c,
          headers: {
            ...c.headers,
            ...(/^[\x20-\x7e]*$/.test(auth) ? { authorization: `Bearer ${auth}` } : {}),
          },
        })),
    },
    {
      route: "GET /admin/* (bad token)",
      arb: fc
        .tuple(
          req(
            "GET",
            fc
              .tuple(
                fc.constantFrom(
                  "/admin/stats",
                  "/admin/preview",
                  "/admin/queues",
                  "/admin/queues/api/queues",
                ),
                query,
              )
              .map(([p, q]) => p + q),
            null,
          ),
          junk,
          fc.constantFrom("Bearer ", "Basic "),
        )
        .map(([c, auth, scheme]) => ({
          ...c,
          headers: {
            ...c.headers,
            authorization:
              scheme +
              (scheme === "Basic "
                ? Buffer.from(`admin:${auth}`).toString("base64")
                : encodeURIComponent(auth)),
          },
        })),
    },
    {
      route: "GET /healthz, /readyz, /metrics, /static/*",
      arb: req(
        "GET",
        fc
          .tuple(
            fc.constantFrom("/healthz", "/readyz", "/metrics", "/static/app.css", "/static/app.js"),
            query,
          )
          .map(([p, q]) => p + q),
        null,
      ),
    },
    {
      route: "any method, any path",
      arb: fc
        .tuple(
          fc.constantFrom(
            "GET",
            "POST",
            "PUT",
            "DELETE",
            "PATCH",
            "OPTIONS",
            "HEAD",
          ) as fc.Arbitrary<InjectOptions["method"]>,
          fc.array(junk.map(encodeURIComponent), { minLength: 1, maxLength: 4 }),
          anyBody,
          contentType,
        )
        .map(([method, parts, body, type]) => ({
          method,
          url: `/${parts.join("/")}`,
          remoteAddress: "10.200.0.1",
          headers: /^[\t\x20-\x7e]*$/.test(type) ? { "content-type": type } : {},
          ...(method === "GET" || method === "HEAD" ? {} : { payload: body }),
        })),
    },
  ];
}

/** What a rejected request must not change. Events record every state change and every mail. */
async function stateOf(deps: Deps, victimId: number): Promise<string> {
  const { rows } = await sql`
    select (select max(id) from subscribers) as subscribers,
           (select max(id) from events) as events,
           (select count(*) from suppressions) as suppressions,
           (select max(id) from deliveries) as deliveries,
           (select row_to_json(s) from subscribers s where id = ${victimId}) as victim,
           (select row_to_json(p) from preferences p where subscriber_id = ${victimId}) as prefs,
           (select array_agg(topic_slug order by topic_slug) from subscriber_topics
            where subscriber_id = ${victimId}) as topics`.execute(deps.db);
  return JSON.stringify(rows[0]);
}

/**
 * The state once work deferred by an earlier accepted request (a confirmation mail and its
 * event go out after the answer) has landed, so it is not blamed on the next request.
 */
async function settledState(deps: Deps, victimId: number): Promise<string> {
  let last = await stateOf(deps, victimId);
  for (let quiet = 0, i = 0; quiet < 6 && i < 60; i++) {
    await new Promise((ok) => setTimeout(ok, 50));
    const now = await stateOf(deps, victimId);
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

export async function fuzzRoutes(
  app: FastifyInstance,
  deps: Deps,
  victim: Victim,
  options: { runs: number; seed: number },
): Promise<RouteStats[]> {
  const out: RouteStats[] = [];
  for (const { route, arb } of routeCases(victim, deps.config.APP_SECRET)) {
    const stats: RouteStats = {
      route,
      cases: 0,
      "2xx": 0,
      "3xx": 0,
      "4xx": 0,
      "5xx": 0,
      stateChanges: 0,
      examples: [],
    };
    const note = (what: string, c: InjectOptions) => {
      if (stats.examples.length < 3) {
        stats.examples.push(
          `${what}: ${c.method} ${String(c.url).slice(0, 120)} ${JSON.stringify(c.headers)} ${String(c.payload ?? "").slice(0, 200)}`,
        );
      }
    };
    let lastAccepted = true;
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const before = lastAccepted
          ? await settledState(deps, victim.id)
          : await stateOf(deps, victim.id);
        const res = await app.inject(c);
        // Only an accepted subscription defers work (its confirmation mail and event).
        lastAccepted = res.statusCode < 400 && /^\/(api\/)?subscri/.test(String(c.url));
        stats.cases++;
        const cls = `${Math.floor(res.statusCode / 100)}xx` as "2xx" | "3xx" | "4xx" | "5xx";
        stats[cls]++;
        if (res.statusCode >= 500) note(`${res.statusCode}`, c);
        if (res.statusCode >= 400 && (await stateOf(deps, victim.id)) !== before) {
          stats.stateChanges++;
          note(`state changed on ${res.statusCode}`, c);
        }
        return true;
      }),
      { numRuns: options.runs, seed: options.seed, endOnFailure: true },
    );
    out.push(stats);
  }
  return out;
}

/** Every string in a parsed paper, joined (dates and numbers left out). */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(textOf).join(" ");
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.values(value).map(textOf).join(" ");
  }
  return "";
}

/** Mutate a JSON value at one random path. */
function mutateJson(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  if (Array.isArray(value) && value.length) {
    const i = path[0]! % value.length;
    const copy = [...value];
    copy[i] = mutateJson(value[i], path.slice(1), replacement);
    return copy;
  }
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (!keys.length) return replacement;
    const k = keys[path[0]! % keys.length]!;
    return {
      ...(value as object),
      [k]: mutateJson((value as Record<string, unknown>)[k], path.slice(1), replacement),
    };
  }
  return replacement;
}

/** Real HF days mutated at random paths, real arXiv feeds mutated byte-wise. */
export function fuzzParsers(options: {
  runs: number;
  seed: number;
  hfDir: URL;
  arxivDir: URL;
}): FuzzReport["parsers"] & { examples: string[] } {
  const hfFiles = readdirSync(options.hfDir).filter((f) => f.endsWith(".json"));
  const hf = hfFiles.map(
    (f) => JSON.parse(readFileSync(new URL(f, options.hfDir), "utf8")) as unknown,
  );
  const arxiv = readdirSync(options.arxivDir).map((f) =>
    readFileSync(new URL(f, options.arxivDir), "utf8"),
  );
  const report = {
    hfCases: 0,
    arxivCases: 0,
    rejectedCleanly: 0,
    parserCrashes: 0,
    unsafeText: 0,
    examples: [] as string[],
  };
  const run = (fn: () => { papers: object[] }, what: string) => {
    try {
      const { papers } = fn();
      const unsafe = papers.filter((p) => NOT_XML_TEXT.test(textOf(p)));
      report.unsafeText += unsafe.length;
      if (unsafe.length && report.examples.length < 5) {
        report.examples.push(`${what}: unsafe text ${JSON.stringify(unsafe[0]).slice(0, 200)}`);
      }
    } catch (error) {
      if (error instanceof SourceError) report.rejectedCleanly++;
      else {
        report.parserCrashes++;
        if (report.examples.length < 5)
          report.examples.push(
            `${what}: ${(error as Error).stack?.split("\n").slice(0, 3).join(" | ")}`,
          );
      }
    }
  };
  fc.assert(
    fc.property(
      fc.nat(hf.length - 1),
      fc.array(fc.nat(1000), { minLength: 1, maxLength: 4 }),
      fc.oneof(
        anyJson,
        hostileText,
        hostileText.map((t) => [t]),
        fc.constantFrom(null, "", -1, 1e308, "2026-02-30T99:00:00Z", "javascript:alert(1)", [], {}),
      ),
      fc.oneof(fc.constant(undefined), fc.constantFrom("2026-08-18", "not-a-date")),
      (file, path, replacement, date) => {
        report.hfCases++;
        run(
          () => parseHfDailyPapers(mutateJson(hf[file], path, replacement), { date }),
          `hf ${hfFiles[file]} ${JSON.stringify(path)}`,
        );
        return true;
      },
    ),
    { numRuns: options.runs * 4, seed: options.seed },
  );
  fc.assert(
    fc.property(
      fc.nat(arxiv.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.oneof(junk, hostileText)), {
        minLength: 1,
        maxLength: 5,
      }),
      (file, edits) => {
        let xml = arxiv[file]!;
        for (const [at, cut, insert] of edits) {
          const i = at % (xml.length + 1);
          xml = xml.slice(0, i) + insert + xml.slice(i + (cut % 20));
        }
        report.arxivCases++;
        run(() => parseArxivFeed(xml), `arxiv file ${file}`);
        return true;
      },
    ),
    { numRuns: options.runs * 2, seed: options.seed },
  );
  return report;
}

/** A reader to aim at, with every genuine token. */
export async function createVictim(deps: Deps, email: string): Promise<Victim> {
  const now = new Date();
  const { id } = await deps.db
    .insertInto("subscribers")
    .values({ email, status: "active", confirmed_at: now, source: "fuzz" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await deps.db.insertInto("preferences").values({ subscriber_id: id }).execute();
  await deps.db
    .insertInto("subscriber_topics")
    .values({ subscriber_id: id, topic_slug: TOPICS[0]!.slug })
    .execute();
  const sign = (purpose: TokenPurpose) =>
    signToken(deps.config.APP_SECRET, {
      purpose,
      subscriberId: id,
      version: 1,
      issuedAt: Math.floor(now.getTime() / 1000),
    });
  return { id, manage: sign("manage"), unsubscribe: sign("unsubscribe"), confirm: sign("confirm") };
}

/** Every route and both parsers, in this process against the given database. */
export async function fuzzEverything(
  deps: Deps,
  options: { runs: number; seed: number; log: (line: string) => void },
): Promise<FuzzReport & { secrets: string[] }> {
  const app = await buildServer(deps);
  const victim = await createVictim(deps, "chaos-fuzz-victim@victims.test");
  const routes = await fuzzRoutes(app, deps, victim, options);
  await app.close();
  const parsers = fuzzParsers({
    ...options,
    hfDir: new URL("../../../shared/data/hf-daily-papers/", import.meta.url),
    arxivDir: new URL("../../test/fixtures/arxiv/", import.meta.url),
  });
  const report = {
    routes,
    cases: routes.reduce((n, r) => n + r.cases, 0),
    serverErrors: routes.reduce((n, r) => n + r["5xx"], 0),
    stateChanges: routes.reduce((n, r) => n + r.stateChanges, 0),
    parsers,
    parserCrashes: parsers.parserCrashes,
    secrets: [victim.manage, victim.unsubscribe, victim.confirm],
  };
  options.log(
    `fuzz: ${report.cases} requests over ${routes.length} routes, ${report.serverErrors} 5xx, ${report.stateChanges} state changes on rejection; parsers ${parsers.hfCases + parsers.arxivCases} cases, ${parsers.parserCrashes} crashes, ${parsers.unsafeText} papers with unsafe text`,
  );
  return report;
}
