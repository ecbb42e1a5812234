import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../src/platform/db/index.ts";
import { migrateToLatest } from "../../src/platform/db/migrate.ts";
import { recordEvents } from "../../src/subscribers/repository.ts";
import { createTestDatabase } from "../helpers/database.ts";

let db: Db;
let empty: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  empty = await createTestDatabase();
  db = createDb(empty.url, { max: 2 });
});
afterAll(async () => {
  await db.destroy();
  await empty.drop();
});

describe("schema", () => {
  it("re-running migrations on a current database applies nothing", async () => {
    const { results } = await migrateToLatest(db);
    expect(results).toEqual([]);
  });

  it("reads a date as YYYY-MM-DD text and timestamptz as a Date", async () => {
    await db.insertInto("editions").values({ edition_date: "2026-08-18" }).execute();
    const row = await db.selectFrom("editions").selectAll().executeTakeFirstOrThrow();
    expect(row.edition_date).toBe("2026-08-18");
    expect(row.first_ingested_at).toBeInstanceOf(Date);
  });

  it("reads dates the same way through a cursor (streamed exports)", async () => {
    const streamed: unknown[] = [];
    for await (const row of db.selectFrom("editions").select("edition_date").stream()) {
      streamed.push(row.edition_date);
    }
    expect(streamed).toEqual(["2026-08-18"]);
  });

  it("keeps its parsers to its own pool: pg's global ones are untouched", async () => {
    const { rows } = await sql<{ d: unknown }>`select date '2026-08-18' as d`.execute(db);
    expect(rows[0]!.d).toBe("2026-08-18");
    const globalDate = pg.types.getTypeParser(pg.types.builtins.DATE)("2026-08-18");
    expect(globalDate).toBeInstanceOf(Date);
  });

  it("keeps emails unique regardless of case", async () => {
    await db.insertInto("subscribers").values({ email: "Ada@Example.com" }).execute();
    await expect(
      db.insertInto("subscribers").values({ email: "ada@example.COM" }).execute(),
    ).rejects.toThrow(/subscribers_email_ci/);
  });

  it("allows one delivery per subscriber and edition", async () => {
    const { id } = await db
      .insertInto("subscribers")
      .values({ email: "grace@example.com" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const row = { subscriber_id: id, edition_date: "2026-08-18" };
    await db.insertInto("deliveries").values(row).execute();
    await expect(db.insertInto("deliveries").values(row).execute()).rejects.toThrow(/unique/);
  });

  it("keeps the event log append-only and returns int8 ids as numbers", async () => {
    const at = new Date("2026-08-18T07:00:00Z");
    await recordEvents(db, [{ type: "test.happened", subscriberId: null, data: { n: 1 } }], at);
    const event = await db.selectFrom("events").selectAll().executeTakeFirstOrThrow();
    expect(typeof event.id).toBe("number");
    expect(event).toMatchObject({ type: "test.happened", subscriber_id: null, data: { n: 1 } });
    expect(event.created_at).toEqual(at);
    await expect(sql`update events set type = 'x'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from events`.execute(db)).rejects.toThrow(/append-only/);
  });
});
