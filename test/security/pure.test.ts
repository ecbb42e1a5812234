import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mailboxKey, mailDomain } from "../../src/subscribers/email.ts";
import { confirmationBudgets } from "../../src/subscribers/service.ts";
import { basicPassword } from "../../src/web/auth.ts";
import { isCrossSite, originOf } from "../../src/web/origin.ts";

/** Issue 19's pure cores: mailbox folding, the cross-site rule, Basic credentials. */

const localPart = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
const tag = fc.stringMatching(/^[a-z0-9.+-]{0,10}$/);

describe("mailboxKey (list bombing)", () => {
  it("folds plus-tags, case, gmail dots and googlemail into one mailbox", () => {
    fc.assert(
      fc.property(localPart, tag, fc.array(fc.nat(30), { maxLength: 5 }), (local, t, dots) => {
        const plain = local.replaceAll(".", "");
        fc.pre(plain !== "" && !plain.startsWith("+"));
        let dotted = plain;
        for (const at of dots) {
          const i = 1 + (at % dotted.length);
          dotted = `${dotted.slice(0, i)}.${dotted.slice(i)}`;
        }
        const variants = [
          `${plain}@gmail.com`,
          `${dotted}+${t}@gmail.com`,
          `${dotted.toUpperCase()}@GoogleMail.com`,
          ` ${plain}+${t}@GMAIL.COM `,
        ];
        const keys = new Set(variants.map(mailboxKey));
        expect(keys).toEqual(new Set([`${plain}@gmail.com`]));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps dots where the provider does not ignore them, and other domains apart", () => {
    expect(mailboxKey("jo.ann@example.org")).not.toBe(mailboxKey("joann@example.org"));
    expect(mailboxKey("jo.ann+news@Example.org")).toBe(mailboxKey("jo.ann@example.org"));
    expect(mailboxKey("victim@gmail.com")).not.toBe(mailboxKey("victim@example.org"));
    expect(mailDomain("a@GoogleMail.com")).toBe("gmail.com");
    // A leading plus is a local part, not a tag.
    expect(mailboxKey("+1@example.org")).toBe("+1@example.org");
  });

  it("budgets are keyed by hashes: no address is stored in confirmation_limits", () => {
    const keys = confirmationBudgets("v.ictim+1@gmail.com", 100).map((b) => b.key);
    expect(keys).toEqual(confirmationBudgets("victim@googlemail.com", 100).map((b) => b.key));
    for (const key of keys) expect(key).not.toMatch(/victim|gmail/);
  });
});

describe("isCrossSite", () => {
  const site = originOf("https://paperboy.test");

  it("takes only PUBLIC_URL's origin, or no browser headers at all", () => {
    expect(isCrossSite({}, site)).toBe(false);
    expect(isCrossSite({ origin: "https://paperboy.test" }, site)).toBe(false);
    expect(isCrossSite({ origin: "HTTPS://PAPERBOY.TEST" }, site)).toBe(false);
    expect(isCrossSite({ "sec-fetch-site": "same-origin" }, site)).toBe(false);
    expect(isCrossSite({ "sec-fetch-site": "none" }, site)).toBe(false);
    for (const origin of ["http://paperboy.test", "https://paperboy.test:444"]) {
      expect(isCrossSite({ origin }, site), origin).toBe(true);
    }
    expect(isCrossSite({ "sec-fetch-site": "cross-site" }, site)).toBe(true);
    expect(isCrossSite({ "sec-fetch-site": "same-site" }, site)).toBe(true);
    // Our own form posts carry `Origin: null` (Referrer-Policy: no-referrer) with same-origin.
    expect(isCrossSite({ origin: "null", "sec-fetch-site": "same-origin" }, site)).toBe(false);
    expect(isCrossSite({ origin: "null", "sec-fetch-site": "cross-site" }, site)).toBe(true);
    // Sec-Fetch-Site decides when present; a stray Origin does not override it.
    expect(isCrossSite({ origin: "https://evil.test", "sec-fetch-site": "cross-site" }, site)).toBe(
      true,
    );
  });

  it("refuses every other origin (property)", () => {
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const origin = new URL(url).origin;
        fc.pre(origin.toLowerCase() !== site);
        expect(isCrossSite({ origin }, site)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("treats localhost, 127.0.0.1 and [::1] on the same port as one dev origin", () => {
    const dev = originOf("http://localhost:3000");
    expect(isCrossSite({ origin: "http://127.0.0.1:3000" }, dev)).toBe(false);
    expect(isCrossSite({ origin: "http://[::1]:3000" }, dev)).toBe(false);
    expect(isCrossSite({ origin: "http://127.0.0.1:3001" }, dev)).toBe(true);
    expect(isCrossSite({ origin: "http://localhost.evil.test:3000" }, dev)).toBe(true);
  });
});

describe("basicPassword", () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
  it("reads user:password and nothing else", () => {
    expect(basicPassword(basic("admin:tok:en"))).toBe("tok:en");
    expect(basicPassword(basic(":token"))).toBe("token");
    expect(basicPassword(basic("token"))).toBe("");
    expect(basicPassword("Basic not base64!")).toBe("");
    expect(basicPassword("Bearer x")).toBe("");
    expect(basicPassword(undefined)).toBe("");
  });
});
