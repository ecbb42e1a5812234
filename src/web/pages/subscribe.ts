import type { Topic } from "../../platform/db/schema.ts";
import { html, type SafeHtml } from "../../platform/http/html.ts";
import { errorSummary, type FieldErrors, fieldError } from "../field-errors.ts";
import { checked, timeZoneField, topicChecks } from "../form-parts.ts";
import { page } from "../layout.ts";

/** The subscribe form and the pages its post answers with. */

export interface SubscribeFormValues {
  email?: string;
  topics?: string[];
  timezone?: string;
  frequency?: string;
}

/**
 * The subscribe form: the email field and the button first (above the fold on a phone), then
 * topics, frequency and time zone behind a disclosure (all optional, changeable later), and a
 * honeypot only bots fill. Errors stand beside their fields, all of them, in a reader's words.
 */
export function subscribeForm(
  topics: Topic[],
  values: SubscribeFormValues = {},
  errors?: FieldErrors,
): SafeHtml {
  const frequency = values.frequency === "weekly" ? "weekly" : "daily";
  const email = fieldError(errors, "email");
  const topicError = fieldError(errors, "topics");
  const freqError = fieldError(errors, "frequency");
  const moreOpen =
    (values.topics?.length ?? 0) > 0 ||
    frequency === "weekly" ||
    Boolean(errors?.topics || errors?.frequency || errors?.timezone);
  return html`<form class="subscribe card" id="subscribe" aria-labelledby="subscribe-title" method="post" action="/subscribe" novalidate>
<h2 id="subscribe-title">Get the digest</h2>
<p class="hint">Free. Double opt-in. One-click unsubscribe in every mail.</p>
${errors ? errorSummary(errors, { topics: "topic-first", frequency: "freq-daily" }) : ""}
<div class="field">
  <label for="email">Email address</label>
  ${email.message}
  <div class="inline-submit">
    <input type="email" id="email" name="email" required autocomplete="email" inputmode="email" maxlength="254" placeholder="you@example.org" value="${values.email ?? ""}"${email.attrs}>
    <button type="submit">Subscribe</button>
  </div>
  <p class="hint">Already subscribed? <a href="/links">Email me my links</a>.</p>
</div>
<details class="more"${moreOpen ? html` open` : ""}>
<summary>Topics, daily or weekly, and your time zone <span class="hint">(optional, changeable later)</span></summary>
<fieldset${topicError.attrs}>
  <legend>Topics</legend>
  <p class="hint">Pick any; none means the overall top papers.</p>
  ${topicError.message}
  ${topicChecks(topics, values.topics ?? [], "topic", true)}
</fieldset>
<fieldset class="inline"${freqError.attrs}>
  <legend>How often</legend>
  ${freqError.message}
  <label for="freq-daily"><input type="radio" id="freq-daily" name="frequency" value="daily"${checked(frequency === "daily")}> Daily</label>
  <label for="freq-weekly"><input type="radio" id="freq-weekly" name="frequency" value="weekly"${checked(frequency === "weekly")}> Weekly</label>
</fieldset>
${timeZoneField({ id: "timezone", label: "Your time zone", value: values.timezone ?? "UTC", hour: 8, errors })}
</details>
<div class="hp" aria-hidden="true">
  <label for="website">Leave this field empty</label>
  <input type="text" id="website" name="website" tabindex="-1" autocomplete="off">
</div>
</form>`;
}

/** "Check your inbox": what every subscribe and links request answers, whatever the address. */
function inboxPage(lead: SafeHtml, hint: SafeHtml): string {
  return page({
    title: "Check your inbox",
    noindex: true,
    body: html`<div class="narrow center">
<p class="big-icon" aria-hidden="true">📬</p>
<h1>Check your inbox</h1>
<p class="lead">${lead}</p>
<p class="hint">${hint}</p>
<p><a href="/">Back to today’s papers</a></p>
</div>`,
  });
}

export function checkInboxPage(email?: string): string {
  return inboxPage(
    html`${
      email
        ? html`If <strong>${email}</strong> can receive our mail, a confirmation link is on its way.`
        : "If the address can receive our mail, a confirmation link is on its way."
    } Open it to start your digest.`,
    html`Nothing after a few minutes? Look in spam, or subscribe again in 5 minutes. Wrong address? <a href="/#subscribe">Use another one</a>.`,
  );
}

/** "Email me my links": for a reader who lost their mails (no login exists to fall back on). */
export function linksPage(values: { email?: string } = {}, errors?: FieldErrors): string {
  const email = fieldError(errors, "email", "links-email");
  return page({
    title: "Email me my links",
    noindex: true,
    body: html`<div class="narrow">
<h1>Email me my links</h1>
<p class="lead">Lost the mail with your preferences and unsubscribe links? Enter your address and we mail them to you again.</p>
${errors ? errorSummary(errors, { email: "links-email" }) : ""}
<form method="post" action="/links" class="card" novalidate>
<div class="field">
  <label for="links-email">Email address</label>
  ${email.message}
  <div class="inline-submit">
    <input type="email" id="links-email" name="email" required autocomplete="email" inputmode="email" maxlength="254" placeholder="you@example.org" value="${values.email ?? ""}"${email.attrs}>
    <button type="submit">Email me my links</button>
  </div>
</div>
</form>
<p class="hint">Not subscribed yet? <a href="/#subscribe">Get the digest</a>.</p>
</div>`,
  });
}

/** The one answer to every links request, whatever the address (no enumeration). */
export function linksSentPage(email: string): string {
  return inboxPage(
    html`If <strong>${email}</strong> gets our digest, its links are on their way.`,
    html`We send them at most once an hour. Nothing arrives? The address may not be subscribed: <a href="/#subscribe">subscribe</a>.`,
  );
}
