import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  feedbackLinks,
  signFeedbackToken,
  verifyFeedbackToken,
  verifyToken,
} from "../../src/subscribers/tokens.ts";

const SECRET = "feedback-secret-0123456789abcdef0123456789";
const paperId = fc.oneof(
  fc.stringMatching(/^[0-9]{4}\.[0-9]{4,5}$/),
  fc.stringMatching(/^[a-z][a-z-]{1,11}\/[0-9]{7}$/),
);
const claims = fc.record({
  subscriberId: fc.integer({ min: 1, max: 999_999_999 }),
  version: fc.integer({ min: 1, max: 999_999_999 }),
  paperId,
  vote: fc.constantFrom(1 as const, -1 as const),
});

describe("feedback tokens", () => {
  it("verify to exactly the claims they were signed with, and to nothing else", () => {
    fc.assert(
      fc.property(claims, (c) => {
        const token = signFeedbackToken(SECRET, c);
        expect(verifyFeedbackToken(SECRET, token)).toEqual(c);
        expect(verifyFeedbackToken(`${SECRET}x`, token)).toBeNull();
        for (const purpose of ["confirm", "manage", "unsubscribe"] as const) {
          expect(verifyToken(SECRET, token, purpose, new Date())).toBeNull();
        }
      }),
    );
  });

  it("reject any change to a token, and never throw on any string", () => {
    fc.assert(
      fc.property(claims, fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (c, at, ch) => {
        const token = signFeedbackToken(SECRET, c);
        const i = at % token.length;
        const changed = token.slice(0, i) + ch + token.slice(i + 1);
        if (changed !== token) expect(verifyFeedbackToken(SECRET, changed)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(verifyFeedbackToken(SECRET, s)).toBeNull();
      }),
    );
  });

  it("gives each paper of a digest its own More and Less links, none for an unlinkable id", () => {
    const links = feedbackLinks(
      "https://p.test",
      SECRET,
      { id: 5, token_version: 2 },
      "2608.16798",
    )!;
    expect(links.more).not.toBe(links.less);
    expect(verifyFeedbackToken(SECRET, links.more.split("/").pop())).toMatchObject({ vote: 1 });
    expect(verifyFeedbackToken(SECRET, links.less.split("/").pop())).toMatchObject({ vote: -1 });
    expect(feedbackLinks("https://p.test", SECRET, { id: 5, token_version: 2 }, "a b")).toBeNull();
  });

  it("sign More and Less with the two halves of one MAC: neither half makes the other vote's link", () => {
    fc.assert(
      fc.property(claims, (c) => {
        const more = signFeedbackToken(SECRET, { ...c, vote: 1 });
        const less = signFeedbackToken(SECRET, { ...c, vote: -1 });
        const [morePayload, moreMac] = more.split(".");
        const [lessPayload, lessMac] = less.split(".");
        expect(moreMac).toHaveLength(22);
        expect(moreMac).not.toBe(lessMac);
        // A vote's payload with the other vote's half (or the same half) is refused.
        expect(verifyFeedbackToken(SECRET, `${lessPayload}.${moreMac}`)).toBeNull();
        expect(verifyFeedbackToken(SECRET, `${morePayload}.${lessMac}`)).toBeNull();
      }),
    );
  });

  it("still accept the links mailed before, signed with the payload's whole HMAC", () => {
    fc.assert(
      fc.property(claims, (c) => {
        const payload = `v.${c.subscriberId}.${c.version}.${c.vote === 1 ? "u" : "d"}.${c.paperId}`;
        const mac = createHmac("sha256", SECRET).update(`paperboy-token:${payload}`).digest();
        const token = `${Buffer.from(payload).toString("base64url")}.${mac.toString("base64url")}`;
        expect(verifyFeedbackToken(SECRET, token)).toEqual(c);
        expect(verifyFeedbackToken(`${SECRET}x`, token)).toBeNull();
        const cut = `${Buffer.from(payload).toString("base64url")}.${mac.subarray(0, 16).toString("base64url")}`;
        expect(verifyFeedbackToken(SECRET, cut)).toBeNull();
      }),
    );
  });
});
