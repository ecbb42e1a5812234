import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PREFERENCES } from "../../src/subscribers/preferences.ts";
import { getPreferences, recordVote, savePreferences } from "../../src/subscribers/repository.ts";
import { seedEdition } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { subscriberRow } from "../web/support.ts";

let ctx: TestContext;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(path.join(tmpdir(), "paperboy-import-"));
});
afterAll(() => ctx.close());

const cli = (...args: string[]) =>
  spawnSync("node", ["bin/paperboy.mjs", "subscribers", ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...ctx.env },
  });

function csvFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("subscribers import / export", () => {
  it("imports good rows, reports bad ones by line, and round-trips through export", async () => {
    await ctx.deps.db
      .insertInto("subscribers")
      .values({ email: "left@example.com", status: "unsubscribed" })
      .execute();
    await ctx.deps.db
      .insertInto("suppressions")
      .values({ email: "bounced@example.com", reason: "hard_bounce" })
      .execute();
    const file = csvFile("list.csv", [
      "email,topics,timezone,frequency",
      "Alice@Example.COM,agents;code,Europe/Berlin,weekly", // 2
      "bob@example.com,,,", // 3
      "not-an-email,agents,UTC,daily", // 4
      "carol@example.com,agents;astrology,UTC,daily", // 5
      "dave@example.com,,Mars/Base,daily", // 6
      "erin@example.com,,UTC,hourly", // 7
      "alice@example.com,llms,UTC,daily", // 8: duplicate of 2
      'frank"@example.com,llms,UTC,daily', // 9: unreadable
      "left@example.com,llms,UTC,daily", // 10: existing, stays unsubscribed
      "bounced@example.com,llms,UTC,daily", // 11: suppressed
      '"<script>x</script>@example.com",,UTC,daily', // 12
    ]);
    const run = cli("import", file, "--confirmed");
    expect(run.stderr).toContain("line 4: email is not a valid address");
    expect(run.stderr).toContain("line 5: unknown topic: astrology");
    expect(run.stderr).toContain("line 6: timezone is not a known IANA time zone");
    expect(run.stderr).toContain("line 7: frequency must be daily or weekly");
    expect(run.stderr).toContain("line 8: duplicate of line 2");
    expect(run.stderr).toMatch(/line 9: unreadable CSV/);
    expect(run.stderr).toContain("line 11: address is suppressed");
    expect(run.stderr).toContain("line 12: email is not a valid address");
    expect(run.stdout).toMatch(/^imported 2, updated 0, rejected 8 \(.*1 unchanged/m);
    // The existing reader's settings stay; the report says so by line and id, not address.
    const left = (await subscriberRow(ctx, "left@example.com"))!;
    expect(run.stdout).toContain(
      `line 10: subscriber #${left.id} exists; kept their topics (--update replaces them)`,
    );
    expect(run.stdout).not.toContain("left@example.com");
    expect(run.status).toBe(0);

    expect(await subscriberRow(ctx, "Alice@example.com")).toMatchObject({
      status: "active",
      timezone: "Europe/Berlin",
      source: "import",
    });
    expect((await subscriberRow(ctx, "left@example.com"))!.status).toBe("unsubscribed");
    expect(ctx.smtp.received).toHaveLength(0);

    const out = cli("export");
    expect(out.status).toBe(0);
    const rows = parse(out.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.email, r.topics, r.timezone, r.frequency, r.status])).toEqual([
      ["left@example.com", "", "UTC", "daily", "unsubscribed"],
      ["Alice@example.com", "agents;code", "Europe/Berlin", "weekly", "active"],
      ["bob@example.com", "", "UTC", "daily", "active"],
    ]);

    // The export imports cleanly: nothing new, nobody who left comes back.
    const again = cli("import", csvFile("export.csv", [out.stdout.trim()]), "--confirmed");
    expect(again.stdout).toMatch(/^imported 0, updated 0, rejected 0 \(.*3 unchanged/m);
    expect((await subscriberRow(ctx, "left@example.com"))!.status).toBe("unsubscribed");
  });

  it("imports as pending without --confirmed and sends no mail", async () => {
    const run = cli("import", csvFile("pending.csv", ["email", "new@example.com"]));
    expect(run.stdout).toMatch(/^imported 1, updated 0, rejected 0 .*as pending; no mail sent/m);
    expect((await subscriberRow(ctx, "new@example.com"))!.status).toBe("pending");
    expect(ctx.smtp.received).toHaveLength(0);
  });

  it("refuses a file without a header, a missing file and bad arguments with one line", () => {
    const noHeader = cli("import", csvFile("noheader.csv", ["a@example.com,agents,UTC,daily"]));
    expect(noHeader.status).toBe(2);
    expect(noHeader.stderr.trim().split("\n")).toHaveLength(1);
    expect(noHeader.stderr).toContain("header with an email column");
    const missing = cli("import", path.join(dir, "nope.csv"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("no such file");
    expect(cli("import").status).toBe(2);
    expect(cli("import", "x.csv", "--force").stderr).toContain("unknown option '--force'");
  });
});

describe("an existing reader's preferences", () => {
  it("are never changed by an import without --update; with it, only the file's columns", async () => {
    const { id } = await ctx.deps.db
      .insertInto("subscribers")
      .values({ email: "kept@example.com", status: "active", timezone: "Asia/Tokyo" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const mine = {
      ...DEFAULT_PREFERENCES,
      topics: ["agents"],
      keywords: ["SWE-bench"],
      muted_authors: ["Jane Doe"],
      timezone: "Asia/Tokyo",
      frequency: "weekly" as const,
      send_hour: 6,
    };
    await savePreferences(ctx.deps.db, id, mine, new Date());
    const file = csvFile("existing.csv", [
      "email,topics,timezone,frequency",
      "KEPT@example.com,llms,UTC,daily", // 2
    ]);
    const plain = cli("import", file, "--confirmed");
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain(
      `line 2: subscriber #${id} exists; kept their topics, frequency, timezone (--update replaces them)`,
    );
    expect(plain.stdout).toMatch(/^imported 0, updated 0, rejected 0 /m);
    expect(await getPreferences(ctx.deps.db, id)).toEqual(mine);

    const updated = cli("import", file, "--update");
    expect(updated.status).toBe(0);
    expect(updated.stdout).toContain(
      `line 2: updated subscriber #${id} (topics, frequency, timezone)`,
    );
    expect(updated.stdout).toMatch(/^imported 0, updated 1, rejected 0 /m);
    expect(updated.stdout).not.toContain("kept@example.com");
    // The columns the file has are replaced; keywords, mutes and send hour stay.
    expect(await getPreferences(ctx.deps.db, id)).toEqual({
      ...mine,
      topics: ["llms"],
      timezone: "UTC",
      frequency: "daily",
    });
  });
});

describe("export → import into an empty database → export", () => {
  it("is identical, with every preference, vote, status and date", async () => {
    const readers = [
      { email: "all@example.com", status: "active" as const },
      { email: "pending@example.com", status: "pending" as const },
      { email: "gone@example.com", status: "unsubscribed" as const },
      { email: "bounced@example.com", status: "bounced" as const },
    ];
    const source = await createTestContext();
    const target = await createTestContext();
    try {
      // Votes need their papers: both databases hold the same edition.
      await seedEdition(source.deps.db, "2026-08-17");
      await seedEdition(target.deps.db, "2026-08-17");
      const [liked, disliked] = (
        await source.deps.db.selectFrom("papers").select("id").orderBy("id").limit(2).execute()
      ).map((p) => p.id);
      for (const [i, r] of readers.entries()) {
        const { id } = await source.deps.db
          .insertInto("subscribers")
          .values({
            email: r.email,
            status: r.status,
            created_at: new Date(`2026-07-0${i + 1}T08:30:00.123Z`),
            confirmed_at: r.status === "pending" ? null : new Date(`2026-07-0${i + 2}T09:00:00Z`),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        if (i === 0) {
          await savePreferences(
            source.deps.db,
            id,
            {
              topics: ["agents", "llms"],
              keywords: ["SWE-bench", "a;b", "back\\slash", 'quote "x", comma', "naïve"],
              authors: ["José Pérez-Gil"],
              muted_topics: ["robotics"],
              muted_keywords: ["survey"],
              muted_authors: ["Jane Doe", "李雷"],
              frequency: "weekly",
              weekly_day: 5,
              send_hour: 21,
              timezone: "America/Sao_Paulo",
              max_papers: 25,
              min_upvotes: 7,
              skip_empty: false,
              paused_until: "2026-12-24",
            },
            new Date(),
          );
          await recordVote(source.deps.db, id, liked!, 1, new Date());
          await recordVote(source.deps.db, id, disliked!, -1, new Date());
        }
      }
      const run = (c: TestContext, ...args: string[]) =>
        spawnSync("node", ["bin/paperboy.mjs", "subscribers", ...args], {
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", ...c.env },
        });
      const first = run(source, "export");
      expect(first.status).toBe(0);
      const header = first.stdout.split("\n")[0];
      expect(header).toBe(
        "email,status,topics,keywords,authors,muted_topics,muted_keywords,muted_authors,timezone,frequency,weekly_day,send_hour,max_papers,min_upvotes,skip_empty,paused_until,votes,created_at,confirmed_at",
      );
      expect(first.stdout).toContain(`${liked}:+1;${disliked}:-1`);
      const imported = run(
        target,
        "import",
        csvFile("backup.csv", [first.stdout.trim()]),
        "--confirmed",
      );
      expect(imported.stdout).toMatch(/^imported 4, updated 0, rejected 0 /m);
      const second = run(target, "export");
      expect(second.stdout).toBe(first.stdout);
    } finally {
      await source.close();
      await target.close();
    }
  });
});
