import { describe, expect, it } from "vitest";
import {
  imageProblems,
  linkProblems,
  plainTextProblems,
  unsupportedFeatures,
  visibleLink,
} from "./audit.ts";

/** The checks themselves must catch what they claim to, or a passing mail test means nothing. */
describe("email audit checks", () => {
  const base = "http://localhost:3000";

  it("flag relative, plain-http, javascript: and placeholder links; accept https and the base", () => {
    const html = `<a href="/preferences/x">a</a><a href="http://example.org">b</a>
      <a href="javascript:alert(1)">c</a><a href="#">d</a>
      <a href="https://example.org">ok</a><a href="${base}/unsubscribe/t">ok</a>`;
    expect(linkProblems(html, base)).toHaveLength(4);
  });

  it("flag images without alt text or size", () => {
    expect(imageProblems('<img src="a.png">')).toEqual([
      "image a.png has no alt text",
      "image a.png has no size",
    ]);
    expect(imageProblems('<img src="a.png" alt="" width="1" height="1">')).toEqual([]);
  });

  it("flag CSS that major clients drop: flexbox, positioning, web fonts", () => {
    const html = `<html><head><style>@import url(https://fonts.example/x.css);</style></head>
      <body><div style="display:flex;position:absolute">x</div></body></html>`;
    const problems = unsupportedFeatures(html).join("\n");
    expect(problems).toMatch(/display:flex/);
    expect(problems).toMatch(/position/);
    expect(problems).toMatch(/@import/);
  });

  it("find a link only when it is there and not hidden", () => {
    const url = "https://x.test/unsubscribe/t";
    expect(visibleLink(`<p><a href="${url}">Unsubscribe</a></p>`, /unsubscribe/i, url)).toEqual([]);
    expect(
      visibleLink(
        `<div style="display:none"><a href="${url}">Unsubscribe</a></div>`,
        /unsub/i,
        url,
      ),
    ).toEqual(["the link labelled /unsub/i is hidden"]);
    expect(visibleLink(`<a href="${url}">Manage</a>`, /unsubscribe/i, url)).toHaveLength(1);
  });

  it("flag markup, entities and missing phrases in a text part", () => {
    expect(plainTextProblems("<b>Hi</b> &amp; bye", ["https://x"])).toEqual([
      "HTML tag in the text part: <b>",
      "HTML entity in the text part: &amp;",
      'text part lacks "https://x"',
    ]);
    expect(plainTextProblems("Title a < b & c\nhttps://x", ["https://x"])).toEqual([]);
  });
});
