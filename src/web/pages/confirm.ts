import { html } from "../../platform/http/html.ts";
import { page } from "../layout.ts";

/** The confirmation link's page and what the Confirm button answers. */

export function confirmPage(token: string, email: string): string {
  return page({
    title: "Confirm your subscription",
    noindex: true,
    body: html`<div class="narrow center">
<h1>One last step</h1>
<p class="lead">Confirm that you want the Paperboy digest at <strong>${email}</strong>.</p>
<form method="post" action="/confirm/${token}"><button type="submit">Confirm subscription</button></form>
</div>`,
  });
}

export function welcomePage(
  manageUrl: string,
  alreadyActive: boolean,
  schedule: string,
  email: string,
): string {
  return page({
    title: "You’re subscribed",
    noindex: true,
    body: html`<div class="narrow center">
<p class="big-icon" aria-hidden="true">🎉</p>
<h1>${alreadyActive ? "You’re already subscribed" : "You’re subscribed"}</h1>
<p class="lead">Your digest comes to <strong>${email}</strong> ${schedule}. ${alreadyActive ? "Your personal links are in the welcome mail and in every digest." : "We sent a welcome mail with your personal links."}</p>
<p><a class="button" href="${manageUrl}">Choose topics, keywords and send time</a></p>
</div>`,
  });
}

export function unavailablePage(): string {
  return page({
    title: "Not available",
    noindex: true,
    body: html`<div class="narrow center"><h1>We can’t send to this address</h1>
<p class="lead">Mail to it bounced or was reported, so it stays off our list. Write to the operator if this is a mistake.</p></div>`,
  });
}
