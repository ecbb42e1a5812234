import type { Topic } from "../../platform/db/schema.ts";
import { html, type SafeHtml } from "../../platform/http/html.ts";
import { checked, notice, topicChecks } from "../form-parts.ts";
import { page } from "../layout.ts";

/** The subscribe form and the pages its post answers with. */

export interface SubscribeFormValues {
  email?: string;
  topics?: string[];
  timezone?: string;
  frequency?: string;
}

/** The subscribe form: email, topics, time zone, frequency, and a honeypot only bots fill. */
export function subscribeForm(
  topics: Topic[],
  values: SubscribeFormValues = {},
  error?: string,
): SafeHtml {
  const frequency = values.frequency === "weekly" ? "weekly" : "daily";
  return html`<form class="subscribe card" id="subscribe" aria-labelledby="subscribe-title" method="post" action="/subscribe" novalidate>
<h2 id="subscribe-title">Get the digest</h2>
<p class="hint">Free. Double opt-in. One-click unsubscribe in every mail.</p>
${error ? notice("error", error) : ""}
<div class="field">
  <label for="email">Email address</label>
  <input type="email" id="email" name="email" required autocomplete="email" inputmode="email" maxlength="254" placeholder="you@example.org" value="${values.email ?? ""}">
</div>
<fieldset>
  <legend>Topics</legend>
  <p class="hint">Pick any; none means the overall top papers.</p>
  ${topicChecks(topics, values.topics ?? [], "topic")}
</fieldset>
<fieldset class="inline">
  <legend>How often</legend>
  <label for="freq-daily"><input type="radio" id="freq-daily" name="frequency" value="daily"${checked(frequency === "daily")}> Daily</label>
  <label for="freq-weekly"><input type="radio" id="freq-weekly" name="frequency" value="weekly"${checked(frequency === "weekly")}> Weekly</label>
</fieldset>
<div class="field">
  <label for="timezone">Your time zone</label>
  <input type="text" id="timezone" name="timezone" data-timezone autocomplete="off" spellcheck="false" maxlength="64" value="${values.timezone ?? "UTC"}" aria-describedby="timezone-hint">
  <p class="hint" id="timezone-hint">An IANA name such as Europe/Berlin; the digest arrives at 8:00 your time (changeable later).</p>
</div>
<div class="hp" aria-hidden="true">
  <label for="website">Leave this field empty</label>
  <input type="text" id="website" name="website" tabindex="-1" autocomplete="off">
</div>
<button type="submit">Subscribe</button>
</form>`;
}

export function subscribeErrorPage(topics: Topic[], values: SubscribeFormValues, error: string) {
  return page({
    title: "Check the form",
    noindex: true,
    body: html`<div class="narrow"><h1>Check the form</h1>${subscribeForm(topics, values, error)}</div>`,
  });
}

export function checkInboxPage(): string {
  return page({
    title: "Check your inbox",
    noindex: true,
    body: html`<div class="narrow center">
<p class="big-icon" aria-hidden="true">📬</p>
<h1>Check your inbox</h1>
<p class="lead">If the address can receive our mail, a confirmation link is on its way. Open it to start your digest.</p>
<p class="hint">Nothing after a few minutes? Look in spam, or subscribe again in 5 minutes.</p>
<p><a href="/">Back to today’s papers</a></p>
</div>`,
  });
}
