import { html } from "../../platform/http/html.ts";
import { notice } from "../form-parts.ts";
import { page } from "../layout.ts";

/**
 * A feedback link's page. Opening the link records nothing (mail scanners open every URL);
 * the button records the vote, and the page it answers says so.
 */
export interface FeedbackPageOptions {
  token: string;
  title: string;
  vote: 1 | -1;
  manageUrl: string;
  /** The vote was just recorded (the answer to the button). */
  recorded?: boolean;
}

export function feedbackPage(o: FeedbackPageOptions): string {
  const words = o.vote === 1 ? "More like this" : "Less like this";
  const effect =
    o.vote === 1
      ? "Your next digests will favour papers like it."
      : "Your next digests will show fewer papers like it.";
  const body = o.recorded
    ? html`<h1>Thanks, noted</h1>
${notice("ok", html`Recorded: <strong>${words}</strong>.`)}
<p class="lead">${o.title}</p>
<p>${effect} You can see and remove your votes on <a href="${o.manageUrl}">your preferences page</a>.</p>`
    : html`<h1>${words}?</h1>
<p class="lead">${o.title}</p>
<form method="post" action="/feedback/${o.token}"><input type="hidden" name="via" value="page"><button type="submit">${words}</button></form>
<p>${effect} <a href="${o.manageUrl}">Manage preferences</a></p>`;
  return page({
    title: words,
    noindex: true,
    body: html`<div class="narrow center">${body}</div>`,
  });
}
