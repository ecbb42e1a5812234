import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PREFERENCES } from "../../src/subscribers/preferences.ts";
import { getPreferences } from "../../src/subscribers/repository.ts";
import { subscribeSchema } from "../../src/subscribers/validation.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const newReader = async (email: string) =>
  (
    await ctx.deps.db
      .insertInto("subscribers")
      .values({ email })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;

describe("preference defaults", () => {
  it("are what the schema gives a bare row, and what a reader without a row has", async () => {
    const bare = await newReader("bare@example.com");
    await ctx.deps.db.insertInto("preferences").values({ subscriber_id: bare }).execute();
    expect(await getPreferences(ctx.deps.db, bare)).toEqual(DEFAULT_PREFERENCES);
    const none = await newReader("none@example.com");
    expect(await getPreferences(ctx.deps.db, none)).toEqual(DEFAULT_PREFERENCES);
  });

  it("fill what a subscribe request leaves out", () => {
    const input = subscribeSchema.parse({ email: "a@example.com" });
    expect(input).toMatchObject({
      topics: DEFAULT_PREFERENCES.topics,
      timezone: DEFAULT_PREFERENCES.timezone,
      frequency: DEFAULT_PREFERENCES.frequency,
    });
  });
});
