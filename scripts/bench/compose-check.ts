/**
 * Compose cost alone (issue 15): seeds N readers as the delivery benchmark does, composes every
 * reader's digest and MIME exactly as the sender does, 6 rounds, and prints CPU ms per message
 * (min and median round); then writes one line per reader with hashes of the HTML, text,
 * subject, headers and raw MIME (boundary masked) to OUT, so two commits can be compared byte
 * for byte: `npx tsx scripts/bench/compose-check.ts 2000 /tmp/a.txt` on each, then `cmp`.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { sql } from "kysely";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { mimeOf } from "../../src/delivery/transmit.ts";
import { createDigestComposer } from "../../src/digests/compose.ts";
import { digestInputs } from "../../src/digests/reader-digest.ts";
import { addDays, utcDate } from "../../src/platform/clock.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps } from "../../src/platform/deps.ts";
import { createBenchState } from "./common.ts";
import { DEFAULT_DAY, seedEdition, seedReaders } from "./seed.ts";

const n = Number(process.argv[2] ?? 2000);
const out = process.argv[3] ?? "/tmp/compose-hashes.txt";
const state = await createBenchState();
const deps = createDeps(loadConfig(state.env), { name: "compose-check" });
try {
  const now = new Date("2026-12-07T18:00:00Z");
  const edition = addDays(utcDate(now), -2);
  await seedEdition(deps, DEFAULT_DAY, edition);
  await seedReaders(deps.db, n, now);
  const { rows } = await sql<{ id: number }>`select id from subscribers order by id`.execute(
    deps.db,
  );
  const inputs = await digestInputs(
    deps.db,
    rows.map((r) => ({ subscriberId: r.id, editionDate: edition })),
  );
  const composer = await createDigestComposer(deps);
  const build = createDigestMimeBuilder(deps.config.MAIL_FROM);
  const date = new Date("2026-12-07T20:00:00Z");
  const one = (input: (typeof inputs)[number]) => {
    const d = input && composer.compose(input);
    return d ? build(mimeOf(input.subscriber.email, d, date)) : null;
  };
  for (const input of inputs) one(input);
  const per: number[] = [];
  let bytes = 0;
  for (let r = 0; r < 6; r++) {
    const c0 = process.cpuUsage();
    for (const input of inputs) bytes += one(input)?.length ?? 0;
    const c = process.cpuUsage(c0);
    per.push((c.user + c.system) / 1000 / inputs.length);
  }
  per.sort((a, b) => a - b);
  console.log(
    `compose+mime CPU ms/msg: min ${per[0]!.toFixed(4)} median ${per[3]!.toFixed(4)} (6 rounds of ${inputs.length}), mean ${Math.round(bytes / 6 / inputs.length)} bytes, load ${(await import("node:os")).loadavg()[0]!.toFixed(2)}`,
  );
  const lines: string[] = [];
  for (const input of inputs) {
    const d = input && composer.compose(input);
    if (!d) {
      lines.push(`${input?.subscriber.id} null`);
      continue;
    }
    const raw = build({ to: input!.subscriber.email, ...d, date })
      .toString("latin1")
      .replace(/_pb_[0-9a-f]{24}/g, "_pb_X");
    const h = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
    lines.push(
      `${input!.subscriber.id} html=${h(d.html)} text=${h(d.text)} subj=${h(d.subject)} hdr=${h(JSON.stringify(d.headers))} ids=${d.paperIds.join(",")} raw=${h(raw)}`,
    );
  }
  writeFileSync(out, `${lines.join("\n")}\n`);
  if (process.argv[4]) {
    const d = composer.compose(inputs[Number(process.argv[4])]!)!;
    writeFileSync(`${out}.sample.html`, d.html);
    writeFileSync(`${out}.sample.txt`, d.text);
  }
} finally {
  await deps.close?.();
  await state.cleanup();
  process.exit(0);
}
