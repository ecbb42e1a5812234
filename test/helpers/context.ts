import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/platform/clock.ts";
import { type Config, loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { createTestDatabase } from "./database.ts";
import { deleteRedisKeys } from "./redis.ts";
import { TestSmtpServer } from "./smtp.ts";

export interface TestContext {
  deps: Deps;
  config: Config;
  clock: ManualClock;
  smtp: TestSmtpServer;
  /** Environment equivalent of `config`, for spawning CLI processes against the same state. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef";
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

/**
 * Isolated state for one test file: its own database (copied from the migrated template),
 * its own Redis key prefix, a real in-process SMTP server and a settable clock.
 */
export async function createTestContext(
  options: { now?: string; env?: Record<string, string> } = {},
): Promise<TestContext> {
  const database = await createTestDatabase();
  const smtp = await new TestSmtpServer().start();
  const prefix = `pbtest_${randomBytes(6).toString("hex")}`;
  const env: Record<string, string> = {
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    REDIS_PREFIX: prefix,
    SMTP_URL: smtp.url,
    MAIL_FROM: "Paperboy <digest@paperboy.test>",
    PUBLIC_URL: "https://paperboy.test",
    APP_SECRET: TEST_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    OUTBOX_DIR: mkdtempSync(path.join(tmpdir(), "paperboy-outbox-")),
    LOG_LEVEL: "silent",
    SEND_CONCURRENCY: "4",
    ...options.env,
  };
  const config = loadConfig(env);
  const clock = new ManualClock(options.now ?? "2026-08-18T12:00:00Z");
  const deps = createDeps(config, { clock, name: "paperboy-test" });
  return {
    deps,
    config,
    clock,
    smtp,
    env,
    async close() {
      await deps.close();
      await smtp.stop();
      await deleteRedisKeys(env.REDIS_URL!, prefix);
      await database.drop();
    },
  };
}
