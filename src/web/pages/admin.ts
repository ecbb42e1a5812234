import { html } from "../../platform/http/html.ts";
import { page } from "../layout.ts";

/** The admin preview when the reader would get nothing that day. */
export function noDigestPage(editionDate: string): string {
  return page({
    title: "Preview",
    noindex: true,
    body: html`<h1>No digest for ${editionDate}</h1><p>Nothing matched and this reader skips empty days.</p>`,
  });
}
