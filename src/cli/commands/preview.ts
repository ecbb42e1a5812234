import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createDigestComposer } from "../../digests/compose.ts";
import { previewDigest } from "../../digests/preview.ts";
import { isIsoDate } from "../../platform/clock.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { type Command, UsageError } from "../command.ts";

export const preview: Command = {
  summary: "show the digest a subscriber would get (subject and text, or HTML with --out)",
  usage: "preview --email ADDRESS [--date YYYY-MM-DD] [--out FILE.html]",
  async run(args, env) {
    const { email, date, out } = parse(args);
    const config = loadConfig(env);
    const db = createDb(config.DATABASE_URL, { max: 2, applicationName: "paperboy-preview" });
    try {
      await requireReachable(config, { db });
      const composer = await createDigestComposer({ config, db });
      const result = await previewDigest({ db }, composer, email, date);
      if (!result.ok) throw new UsageError(result.error);
      if (!result.digest) {
        console.log(
          `No digest for ${result.editionDate}: nothing matched and this reader skips empty days.`,
        );
        return 0;
      }
      if (out) {
        await writeFile(out, result.digest.html);
        console.log(`Subject: ${result.digest.subject}\nHTML written to ${out}`);
      } else {
        console.log(`Subject: ${result.digest.subject}\n\n${result.digest.text}`);
      }
      return 0;
    } finally {
      await db.destroy();
    }
  },
};

const options = {
  email: { type: "string" },
  date: { type: "string" },
  out: { type: "string" },
} as const;

function parse(args: string[]): { email: string; date?: string; out?: string } {
  let values: { email?: string; date?: string; out?: string };
  try {
    ({ values } = parseArgs({ args, options, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.email?.trim()) throw new UsageError("give --email ADDRESS");
  if (values.date !== undefined && !isIsoDate(values.date)) {
    throw new UsageError(`--date must be a date like 2026-08-18, not '${values.date}'`);
  }
  return { email: values.email, date: values.date, out: values.out };
}
