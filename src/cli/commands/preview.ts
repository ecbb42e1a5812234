import { writeFile } from "node:fs/promises";
import { createDigestComposer } from "../../digests/compose.ts";
import { previewDigest } from "../../digests/preview.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { describeSystemError } from "../../platform/system-errors.ts";
import { type Env, UsageError } from "../command.ts";

export async function preview(
  env: Env,
  { email, date, out }: { email: string; date?: string; out?: string },
): Promise<number> {
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
      await writeFile(out, result.digest.html).catch((error) => {
        throw new UsageError(`cannot write ${out}: ${describeSystemError(error)}`);
      });
      console.log(`Subject: ${result.digest.subject}\nHTML written to ${out}`);
    } else {
      console.log(`Subject: ${result.digest.subject}\n\n${result.digest.text}`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}
