import { html, type SafeHtml } from "../../platform/http/html.ts";
import { notice } from "../form-parts.ts";
import { page } from "../layout.ts";

/** The unsubscribe link's page: Unsubscribe, and after it Resubscribe. */

export interface UnsubscribePageOptions {
  token: string;
  email: string;
  status: string;
  manageUrl: string;
  /** What just happened, if the page answers a button press. */
  done?: "unsubscribed" | "resubscribed" | "resubscribe-refused";
}

export function unsubscribePage(o: UnsubscribePageOptions): string {
  const manage = html`<a href="${o.manageUrl}">Manage preferences instead</a>`;
  let body: SafeHtml;
  let title = "Unsubscribe";
  if (o.done === "resubscribed" && o.status === "active") {
    title = "You’re subscribed again";
    body = html`<h1>You’re subscribed again</h1>
${notice("ok", html`Digests to <strong>${o.email}</strong> start again with the next edition, with your old preferences.`)}
<p><a class="button" href="${o.manageUrl}">Review your preferences</a></p>
<form method="post" action="/unsubscribe/${o.token}"><input type="hidden" name="via" value="page"><p class="hint">Pressed by mistake? <button type="submit" class="link">Unsubscribe again</button></p></form>`;
  } else if (o.status === "active" || o.status === "pending") {
    body = html`<h1>Unsubscribe?</h1>
<p class="lead">Stop all Paperboy digests to <strong>${o.email}</strong>.</p>
<form method="post" action="/unsubscribe/${o.token}"><input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form>
<p>Fewer mails would do? ${manage}: go weekly, pause, or narrow your topics.</p>`;
  } else if (o.status === "unsubscribed") {
    title = "You’re unsubscribed";
    body = html`<h1>You’re unsubscribed</h1>
${o.done === "unsubscribed" ? notice("ok", "Done. You won’t get any more digests, including one already queued.") : ""}
${o.done === "resubscribe-refused" ? notice("error", "This address can’t be resubscribed here.") : ""}
<p class="lead">No more digests to <strong>${o.email}</strong>. Changed your mind?</p>
<form method="post" action="/unsubscribe/${o.token}/resubscribe"><button type="submit" class="secondary">Resubscribe</button></form>`;
  } else {
    body = html`<h1>You get no digests</h1><p class="lead">Mail to <strong>${o.email}</strong> bounced or was reported, so we stopped sending.</p>`;
  }
  return page({
    title,
    noindex: true,
    body: html`<div class="narrow center">${body}</div>`,
  });
}
