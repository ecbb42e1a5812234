import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../src/digests/compose.ts";
import { digestInputs } from "../../src/digests/reader-digest.ts";
import { addReaders } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { samplePapers, storePapers } from "./sample.ts";

let ctx: TestContext;
let weekly: number;
let daily: number;
const monday = samplePapers("2026-08-17");
const tuesday = samplePapers("2026-08-18");
/** What the weekly reader's digest of the 17th carried. */
const mailed = monday.slice(0, 2).map((p) => p.id);

beforeAll(async () => {
  ctx = await createTestContext();
  await storePapers(ctx.deps.db, [...monday, ...tuesday]);
  [weekly, daily] = (await addReaders(ctx.deps.db, [
    { email: "weekly@r.test", frequency: "weekly" },
    { email: "daily@r.test" },
  ])) as [number, number];
  const { id } = await ctx.deps.db
    .insertInto("deliveries")
    .values({ subscriber_id: weekly, edition_date: "2026-08-17", status: "sent" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await ctx.deps.db
    .insertInto("sent_papers")
    .values(mailed.map((paper_id) => ({ subscriber_id: weekly, paper_id, delivery_id: id })))
    .execute();
});
afterAll(() => ctx.close());

describe("what a reader gets for an edition", () => {
  it("leaves out what an earlier edition carried, but shows an edition as it was mailed", async () => {
    const [later, same, other, gone] = await digestInputs(ctx.deps.db, [
      { subscriberId: weekly, editionDate: "2026-08-18" },
      { subscriberId: weekly, editionDate: "2026-08-17" },
      { subscriberId: daily, editionDate: "2026-08-18" },
      { subscriberId: 999_999, editionDate: "2026-08-18" },
    ]);
    expect(later!.preferences.frequency).toBe("weekly");
    expect(later!.papers.map((p) => p.id)).toEqual(expect.arrayContaining(mailed));
    expect([...later!.alreadySent].sort()).toEqual([...mailed].sort());
    expect([...same!.alreadySent]).toEqual([]);
    expect(other!.subscriber.email).toBe("daily@r.test");
    expect(other!.papers.map((p) => p.listed_on)).toEqual(tuesday.map(() => "2026-08-18"));
    expect([...other!.alreadySent]).toEqual([]);
    expect(gone).toBeUndefined();
  });

  it("composes a later digest without the papers already mailed", async () => {
    const composer = await createDigestComposer(ctx.deps);
    const [later, same] = await digestInputs(ctx.deps.db, [
      { subscriberId: weekly, editionDate: "2026-08-18" },
      { subscriberId: weekly, editionDate: "2026-08-17" },
    ]);
    const next = composer.compose(later!)!;
    expect(next.paperIds.filter((id) => mailed.includes(id))).toEqual([]);
    expect(composer.compose(same!)!.paperIds).toEqual(expect.arrayContaining(mailed));
  });
});
