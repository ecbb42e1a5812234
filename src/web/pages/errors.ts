import { html } from "../../platform/http/html.ts";
import { page } from "../layout.ts";

/** What a browser sees for a 4xx or 5xx; API clients get JSON from the app shell instead. */
export function errorPage(status: number, message: string): string {
  const title =
    status === 404
      ? "Page not found"
      : status === 429
        ? "Too many requests"
        : status === 503
          ? "Very busy right now"
          : status >= 500
            ? "Something went wrong"
            : "Bad request";
  // The shell's bare "Not found." gets words; a route's own message (a bad link) is kept.
  const text =
    status === 404 && message === "Not found."
      ? "There is no page at this address. It may have moved, or the link may be mistyped."
      : status === 429
        ? // The limiter's message starts with the title again; say why instead.
          message.replace(
            /^Too many requests\.\s*/,
            "You sent this form several times in a short while. ",
          )
        : message;
  return page({
    title,
    noindex: true,
    body: html`<div class="narrow center"><h1>${title}</h1><p class="lead">${text}</p><p><a href="/">Today’s trending papers</a> · <a href="/digests">The archive</a></p></div>`,
  });
}
