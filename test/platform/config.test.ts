import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/platform/config.ts";

const base = { NODE_ENV: "test", APP_SECRET: "x".repeat(32), ADMIN_TOKEN: "y".repeat(16) };

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

/** One line naming the variable, as every process prints it before refusing to start. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("loadConfig accepted the configuration");
}

describe("loadConfig in production", () => {
  const production = {
    ...base,
    NODE_ENV: "production",
    SMTP_URL: "smtp://relay.example.org:587",
    PUBLIC_URL: "https://news.example.org",
    MAIL_FROM: "Paperboy <digest@example.org>",
  };

  it("accepts an https PUBLIC_URL and a sender at a real domain", () => {
    const config = loadConfig(production);
    expect(config.PUBLIC_URL).toBe("https://news.example.org");
    expect(config.MAIL_FROM).toBe("Paperboy <digest@example.org>");
  });

  it("refuses the laptop defaults that sent mail from localhost with http links", () => {
    const { PUBLIC_URL: _url, MAIL_FROM: _from, ...unset } = production;
    expect(refusal(unset)).toMatch(/^Invalid configuration: PUBLIC_URL must be an https URL/);
    expect(refusal({ ...unset, PUBLIC_URL: production.PUBLIC_URL })).toMatch(
      /^Invalid configuration: MAIL_FROM must be an address at a real domain/,
    );
  });

  it("is the default environment, so a forgotten NODE_ENV is held to it", () => {
    const { NODE_ENV: _env, ...withoutNodeEnv } = production;
    expect(refusal({ ...withoutNodeEnv, PUBLIC_URL: "http://news.example.org" })).toMatch(
      /PUBLIC_URL/,
    );
  });

  it.each([
    "http://news.example.org",
    "https://localhost",
    "https://LOCALHOST:8443/",
    "https://paperboy.localhost",
    "https://127.0.0.1:3000",
    "https://[::1]:3000",
    "https://0.0.0.0",
  ])("refuses PUBLIC_URL=%s naming PUBLIC_URL", (PUBLIC_URL) => {
    expect(refusal({ ...production, PUBLIC_URL })).toMatch(/^Invalid configuration: PUBLIC_URL /);
  });

  it.each([
    "digest@localhost",
    "Paperboy <digest@localhost>",
    "Paperboy <digest@LocalHost.>",
    "Paperboy <digest@mail.localhost>",
    "digest@127.0.0.1",
    "Paperboy",
  ])("refuses MAIL_FROM=%s naming MAIL_FROM, without echoing the address", (MAIL_FROM) => {
    const message = refusal({ ...production, MAIL_FROM });
    expect(message).toMatch(/^Invalid configuration: MAIL_FROM /);
    expect(message).not.toContain("digest@");
  });

  it("keeps the defaults in development and tests", () => {
    for (const NODE_ENV of ["development", "test"]) {
      const config = loadConfig({ ...base, NODE_ENV });
      expect(config.PUBLIC_URL).toBe("http://localhost:3000");
      expect(config.MAIL_FROM).toBe("Paperboy <digest@localhost>");
    }
  });
});
