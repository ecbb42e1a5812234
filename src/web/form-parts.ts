import type { Topic } from "../platform/db/schema.ts";
import { html, type SafeHtml } from "../platform/http/html.ts";

/** Pieces shared by the subscribe form and the preferences page. */

export const checked = (on: boolean) => (on ? html` checked` : "");
export const selected = (on: boolean) => (on ? html` selected` : "");
export const notice = (kind: "ok" | "error", message: SafeHtml | string) =>
  kind === "error"
    ? html`<div class="notice error" role="alert">${message}</div>`
    : html`<div class="notice ok" role="status">${message}</div>`;

export function topicChecks(topics: Topic[], chosen: string[], idPrefix: string): SafeHtml {
  return html`<div class="checks">${topics.map(
    (t) =>
      html`<label for="${idPrefix}-${t.slug}" title="${t.description}"><input type="checkbox" id="${idPrefix}-${t.slug}" name="topics" value="${t.slug}"${checked(chosen.includes(t.slug))}> <span>${t.name}</span></label>`,
  )}</div>`;
}
