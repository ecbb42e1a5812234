import { z } from "zod";
import { isIsoDate } from "../platform/clock.ts";
import { normalizeEmail } from "./email.ts";
import { DEFAULT_PREFERENCES } from "./preferences.ts";
import { canonicalTimeZone } from "./timezone.ts";

/** Input schemas shared by the form and JSON routes; topic slugs are checked against the db later. */

const email = z
  .string({ error: "email is required" })
  .trim()
  .min(1, "email is required")
  .max(254, "email is too long")
  .pipe(z.email("email is not a valid address"))
  .transform(normalizeEmail);

const timezone = z.string({ error: "timezone must be text" }).transform((v, ctx) => {
  const zone = canonicalTimeZone(v);
  if (!zone) {
    ctx.addIssue({ code: "custom", message: "timezone is not a known IANA time zone" });
    return z.NEVER;
  }
  return zone;
});

const frequency = z.enum(["daily", "weekly"], { error: "frequency must be daily or weekly" });

const topicList = (name: string) =>
  z
    .array(z.string({ error: `${name} must be a list of topic names` }).max(64), {
      error: `${name} must be a list of topic names`,
    })
    .max(100, `too many ${name}`)
    .transform((list) => [...new Set(list.map((t) => t.trim()).filter(Boolean))]);
const topics = topicList("topics");

export const subscribeSchema = z.strictObject(
  {
    email,
    topics: topics.default([]),
    timezone: timezone.default(DEFAULT_PREFERENCES.timezone),
    frequency: frequency.default(DEFAULT_PREFERENCES.frequency),
  },
  {
    error: (issue) => (issue.code === "unrecognized_keys" ? "unknown field" : "expected an object"),
  },
);
export type SubscribeInput = z.output<typeof subscribeSchema>;

/** "Email me my links": just the address. */
export const linksRequestSchema = z.strictObject(
  { email },
  {
    error: (issue) => (issue.code === "unrecognized_keys" ? "unknown field" : "expected an object"),
  },
);

const textList = (name: string, max: number, maxLength: number) =>
  z
    .array(z.string({ error: `${name} must be a list of text` }), {
      error: `${name} must be a list of text`,
    })
    .transform((list) =>
      [...new Set(list.map((s) => s.trim().replace(/\s+/g, " ")))].filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().max(maxLength, `each of ${name} must be at most ${maxLength} characters`))
        .max(max, `at most ${max} ${name}`),
    );

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be between ${min} and ${max}`)
    .max(max, `${name} must be between ${min} and ${max}`);

export const preferencesSchema = z.strictObject(
  {
    topics,
    keywords: textList("keywords", 20, 60),
    authors: textList("authors", 20, 100),
    muted_topics: topicList("muted_topics"),
    muted_keywords: textList("muted_keywords", 50, 60),
    muted_authors: textList("muted_authors", 50, 100),
    frequency,
    weekly_day: int("weekly_day", 0, 6),
    send_hour: int("send_hour", 0, 23),
    timezone,
    max_papers: int("max_papers", 1, 50),
    min_upvotes: int("min_upvotes", 0, 100_000),
    skip_empty: z.boolean({ error: "skip_empty must be true or false" }),
    paused_until: z
      .string({ error: "paused_until must be a date (YYYY-MM-DD) or null" })
      .refine(isIsoDate, "paused_until must be a date (YYYY-MM-DD) or null")
      .nullable(),
  },
  {
    error: (issue) => (issue.code === "unrecognized_keys" ? "unknown field" : "expected an object"),
  },
);
export type PreferencesInput = z.output<typeof preferencesSchema>;
/** The JSON API takes any subset of the fields; the form always sends all of them. */
export const preferencesPatchSchema = preferencesSchema.partial();

/**
 * What PUT /api/preferences/:token takes: any subset of the fields, flat, or the very body GET
 * answers (`{email, status, preferences: {…}}`), whose read-only `email` and `status` are
 * accepted and ignored. So a client can read, edit and write back.
 */
export const preferencesPutSchema = z.preprocess(unwrapPreferences, preferencesPatchSchema);

function unwrapPreferences(body: unknown): unknown {
  if (!isPlainObject(body) || !("preferences" in body)) return body;
  const { email: _email, status: _status, preferences, ...rest } = body;
  return isPlainObject(preferences) ? { ...rest, ...preferences } : body;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** One readable line for the first problem, e.g. "send_hour must be between 0 and 23". */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  if (issue.code === "unrecognized_keys") return `unknown field: ${issue.keys.join(", ")}`;
  const field = issue.path.find((p) => typeof p === "string");
  return field && !issue.message.includes(String(field))
    ? `${String(field)}: ${issue.message}`
    : issue.message;
}
