import { html } from "../../platform/http/html.ts";
import { page } from "../layout.ts";

/** What a browser sees for a 4xx or 5xx; API clients get JSON from the app shell instead. */
export function errorPage(status: number, message: string): string {
  const title = status === 404 ? "Not found" : status >= 500 ? "Server error" : "Bad request";
  return page({
    title,
    noindex: true,
    body: html`<h1>${title}</h1><p class="notice error" role="alert">${message}</p><p><a href="/">Back to Paperboy</a></p>`,
  });
}
