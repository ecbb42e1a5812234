import { describe, expect, it } from "vitest";
import { listHeaders, listId } from "../../src/digests/headers.ts";

const site = (PUBLIC_URL: string, LIST_ID?: string) => ({ PUBLIC_URL, LIST_ID });

describe("List-Id", () => {
  it.each([
    ["https://paperboy.example.org", "Paperboy <paperboy.example.org>"],
    ["https://Paperboy.Example.org:8443/", "Paperboy <paperboy.example.org>"],
    ["https://example.org", "Paperboy <paperboy.example.org>"],
    ["https://news.example.org", "Paperboy <paperboy.news.example.org>"],
    ["https://paperboys.example.org", "Paperboy <paperboy.paperboys.example.org>"],
  ])("for PUBLIC_URL %s is %s (the label never doubled)", (url, expected) => {
    expect(listId(site(url))).toBe(expected);
    expect(listId(site(url))).not.toMatch(/paperboy\.paperboy\./);
  });

  it("takes LIST_ID as given, wrapping a bare id", () => {
    expect(listId(site("https://example.org", "digests.example.org"))).toBe(
      "Paperboy <digests.example.org>",
    );
    expect(listId(site("https://example.org", "Papers <p.example.org>"))).toBe(
      "Papers <p.example.org>",
    );
  });

  it("is among the list headers of every digest", () => {
    const headers = listHeaders(
      { ...site("https://paperboy.example.org"), LIST_UNSUBSCRIBE_MAILTO: undefined },
      "https://paperboy.example.org/unsubscribe/t",
    );
    expect(headers["List-Id"]).toBe("Paperboy <paperboy.example.org>");
  });
});
