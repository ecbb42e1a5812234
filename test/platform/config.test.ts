import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/platform/config.ts";

const base = { APP_SECRET: "x".repeat(32), ADMIN_TOKEN: "y".repeat(16) };

describe("loadConfig", () => {
  it("fills documented defaults", () => {
    const config = loadConfig(base);
    expect(config.DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/paperboy");
    expect(config.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(config.PORT).toBe(3000);
    expect(config.SMTP_URL).toBeUndefined();
  });

  it.each([
    [{ DATABASE_URL: "nonsense" }, /^Invalid configuration: DATABASE_URL /],
    [{ REDIS_URL: "http://x" }, /^Invalid configuration: REDIS_URL /],
    [{ PORT: "70000" }, /^Invalid configuration: PORT /],
    [{ PORT: "abc" }, /^Invalid configuration: PORT /],
    [{ APP_SECRET: "short" }, /^Invalid configuration: APP_SECRET must be at least 32/],
    [{ APP_SECRET: "" }, /^Invalid configuration: APP_SECRET is required/],
    [{ SMTP_URL: "mail.example.com" }, /^Invalid configuration: SMTP_URL /],
    [{ PUBLIC_URL: "ftp://x" }, /^Invalid configuration: PUBLIC_URL /],
    [{ DKIM_DOMAIN: "example.com" }, /DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY/],
  ])("rejects %j with one line naming the variable", (override, message) => {
    const attempt = () => loadConfig({ ...base, ...override });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("strips a trailing slash from PUBLIC_URL", () => {
    expect(loadConfig({ ...base, PUBLIC_URL: "https://p.example/" }).PUBLIC_URL).toBe(
      "https://p.example",
    );
  });
});
