import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signToken, subscriberLinks, verifyToken } from "../../src/subscribers/tokens.ts";

const secret = "s".repeat(40);
const now = new Date("2026-08-18T12:00:00Z");
const confirmClaims = {
  purpose: "confirm" as const,
  subscriberId: 42,
  version: 3,
  issuedAt: now.getTime() / 1000,
};

describe("tokens", () => {
  it("signs with HMAC-SHA256 exactly, for short, long and non-ASCII secrets", () => {
    // Links already mailed must keep verifying: the cached key signs as a string key does.
    for (const key of [secret, "k".repeat(100), "é".repeat(40), secret]) {
      const payload = "m.42.3.0";
      const expected = createHmac("sha256", key).update(`paperboy-token:${payload}`).digest();
      const token = signToken(key, { ...confirmClaims, purpose: "manage" });
      expect(token).toBe(
        `${Buffer.from(payload).toString("base64url")}.${expected.toString("base64url")}`,
      );
    }
  });

  it("round-trips each purpose", () => {
    for (const purpose of ["confirm", "manage", "unsubscribe"] as const) {
      const token = signToken(secret, { ...confirmClaims, purpose });
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(verifyToken(secret, token, purpose, now)).toMatchObject({
        purpose,
        subscriberId: 42,
        version: 3,
      });
    }
  });

  it("rejects another purpose, another secret, truncation and bit flips", () => {
    const token = signToken(secret, { ...confirmClaims, purpose: "manage" });
    expect(verifyToken(secret, token, "unsubscribe", now)).toBeNull();
    expect(verifyToken("t".repeat(40), token, "manage", now)).toBeNull();
    expect(verifyToken(secret, token.slice(0, -1), "manage", now)).toBeNull();
    for (let i = 0; i < token.length; i++) {
      if (token[i] === ".") continue;
      const flipped = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      expect(verifyToken(secret, flipped, "manage", now)).toBeNull();
    }
    for (const junk of ["", "abc", "a.b", "x".repeat(500), null, 42, "../../etc/passwd"]) {
      expect(verifyToken(secret, junk, "manage", now)).toBeNull();
    }
  });

  it("expires confirm tokens after 7 days but never manage or unsubscribe ones", () => {
    const confirm = signToken(secret, confirmClaims);
    const later = new Date(now.getTime() + 7 * 24 * 3600 * 1000 + 1000);
    expect(verifyToken(secret, confirm, "confirm", later)).toBeNull();
    const unsubscribe = signToken(secret, { ...confirmClaims, purpose: "unsubscribe" });
    const muchLater = new Date("2036-01-01T00:00:00Z");
    expect(verifyToken(secret, unsubscribe, "unsubscribe", muchLater)).not.toBeNull();
  });

  it("gives a subscriber stable links, different per subscriber and version", () => {
    const a = subscriberLinks("https://p.test", secret, { id: 1, token_version: 1 });
    expect(subscriberLinks("https://p.test", secret, { id: 1, token_version: 1 })).toEqual(a);
    expect(subscriberLinks("https://p.test", secret, { id: 2, token_version: 1 })).not.toEqual(a);
    expect(subscriberLinks("https://p.test", secret, { id: 1, token_version: 2 })).not.toEqual(a);
    expect(a.unsubscribe).toMatch(/^https:\/\/p\.test\/unsubscribe\//);
  });
});
