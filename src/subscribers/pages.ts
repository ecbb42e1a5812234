import type { Topic } from "../platform/db/schema.ts";
import { html, page, type SafeHtml } from "../platform/http/html.ts";
import { hourLabel, WEEKDAYS } from "./changes.ts";
import type { PreferencesView } from "./preferences.ts";

/** Server-rendered pages of the reader's journey. Everything interpolated is escaped by html``. */

export interface SubscribeFormValues {
  email?: string;
  topics?: string[];
  timezone?: string;
  frequency?: string;
}

const checked = (on: boolean) => (on ? html` checked` : "");
const selected = (on: boolean) => (on ? html` selected` : "");
const notice = (kind: "ok" | "error", message: SafeHtml | string) =>
  kind === "error"
    ? html`<div class="notice error" role="alert">${message}</div>`
    : html`<div class="notice ok" role="status">${message}</div>`;

function topicChecks(topics: Topic[], chosen: string[], idPrefix: string): SafeHtml {
  return html`<div class="checks">${topics.map(
    (t) =>
      html`<label for="${idPrefix}-${t.slug}" title="${t.description}"><input type="checkbox" id="${idPrefix}-${t.slug}" name="topics" value="${t.slug}"${checked(chosen.includes(t.slug))}> <span>${t.name}</span></label>`,
  )}</div>`;
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

export function confirmPage(token: string): string {
  return page({
    title: "Confirm your subscription",
    noindex: true,
    body: html`<div class="narrow center">
<h1>One last step</h1>
<p class="lead">Confirm that you want the Paperboy digest at this address.</p>
<form method="post" action="/confirm/${token}"><button type="submit">Confirm subscription</button></form>
</div>`,
  });
}

export function welcomePage(manageUrl: string, alreadyActive: boolean): string {
  return page({
    title: "You’re subscribed",
    noindex: true,
    body: html`<div class="narrow center">
<p class="big-icon" aria-hidden="true">🎉</p>
<h1>${alreadyActive ? "You’re already subscribed" : "You’re subscribed"}</h1>
<p class="lead">Your digest arrives at your hour with the papers that matter to you. We sent a welcome mail with your personal links.</p>
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

export interface PreferencesPageOptions {
  token: string;
  email: string;
  status: string;
  unsubscribeUrl: string;
  prefs: PreferencesView;
  topics: Topic[];
  changes?: string[];
  error?: string;
}

export function preferencesPage(o: PreferencesPageOptions): string {
  const p = o.prefs;
  const status =
    o.status === "pending"
      ? notice("error", "This address is not confirmed yet: use the link in the confirmation mail.")
      : o.status !== "active"
        ? notice(
            "error",
            html`You get no digests (you are ${o.status}). <a href="${o.unsubscribeUrl}">Resubscribe</a>`,
          )
        : "";
  const saved = o.changes
    ? o.changes.length
      ? notice(
          "ok",
          html`<strong>Saved.</strong><ul class="changes">${o.changes.map((c) => html`<li>${c}</li>`)}</ul>`,
        )
      : notice("ok", "Nothing changed.")
    : "";
  return page({
    title: "Your preferences",
    noindex: true,
    body: html`<div class="narrow">
<h1>Your preferences</h1>
<p class="lead">For <strong>${o.email}</strong>. No password: this page’s link is your key, so don’t share it.</p>
${status}${saved}${o.error ? notice("error", o.error) : ""}
<form method="post" action="/preferences/${o.token}" class="card prefs" novalidate>
<fieldset>
  <legend>Topics</legend>
  <p class="hint">Papers in these topics come first. Choose none to get the overall top papers.</p>
  ${topicChecks(o.topics, p.topics, "pref-topic")}
</fieldset>
<div class="field">
  <label for="keywords">Keywords to follow</label>
  <textarea id="keywords" name="keywords" rows="3" aria-describedby="keywords-hint">${p.keywords.join("\n")}</textarea>
  <p class="hint" id="keywords-hint">One per line (or comma-separated), e.g. diffusion, retrieval. Matched in titles, abstracts and keywords.</p>
</div>
<div class="field">
  <label for="authors">Authors to follow</label>
  <textarea id="authors" name="authors" rows="3" aria-describedby="authors-hint">${p.authors.join("\n")}</textarea>
  <p class="hint" id="authors-hint">One name per line.</p>
</div>
<fieldset>
  <legend>Schedule</legend>
  <div class="radios">
    <label for="pf-daily"><input type="radio" id="pf-daily" name="frequency" value="daily"${checked(p.frequency === "daily")}> Daily</label>
    <label for="pf-weekly"><input type="radio" id="pf-weekly" name="frequency" value="weekly"${checked(p.frequency === "weekly")}> Weekly</label>
  </div>
  <div class="row">
    <div class="field">
      <label for="weekly_day">Weekly digest day</label>
      <select id="weekly_day" name="weekly_day">${WEEKDAYS.map((d, i) => html`<option value="${i}"${selected(i === p.weekly_day)}>${d}</option>`)}</select>
    </div>
    <div class="field">
      <label for="send_hour">Send hour</label>
      <select id="send_hour" name="send_hour">${Array.from({ length: 24 }, (_, h) => html`<option value="${h}"${selected(h === p.send_hour)}>${hourLabel(h)}</option>`)}</select>
    </div>
  </div>
  <div class="field">
    <label for="pref-timezone">Time zone</label>
    <input type="text" id="pref-timezone" name="timezone" data-timezone autocomplete="off" spellcheck="false" maxlength="64" value="${p.timezone}">
  </div>
</fieldset>
<fieldset>
  <legend>Digest</legend>
  <div class="row">
    <div class="field">
      <label for="max_papers">Papers per digest</label>
      <input type="number" id="max_papers" name="max_papers" min="1" max="50" step="1" value="${p.max_papers}">
    </div>
    <div class="field">
      <label for="min_upvotes">Minimum upvotes</label>
      <input type="number" id="min_upvotes" name="min_upvotes" min="0" step="1" value="${p.min_upvotes}">
    </div>
  </div>
  <label for="skip_empty" class="check"><input type="checkbox" id="skip_empty" name="skip_empty" value="on"${checked(p.skip_empty)}> Skip days with nothing matching</label>
  <div class="field">
    <label for="paused_until">Pause until</label>
    <input type="date" id="paused_until" name="paused_until" value="${p.paused_until ?? ""}" aria-describedby="paused-hint">
    <p class="hint" id="paused-hint">Leave empty to keep receiving. No digests until this date.</p>
  </div>
</fieldset>
<button type="submit">Save preferences</button>
</form>
<p class="hint center"><a href="${o.unsubscribeUrl}">Unsubscribe</a></p>
</div>`,
  });
}

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
  if (o.status === "active" || o.status === "pending") {
    body = html`<h1>${o.done === "resubscribed" ? "Welcome back" : "Unsubscribe?"}</h1>
${o.done === "resubscribed" ? notice("ok", "You’re subscribed again.") : ""}
<p class="lead">Stop all Paperboy digests to <strong>${o.email}</strong>.</p>
<form method="post" action="/unsubscribe/${o.token}"><input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form>
<p>Fewer mails would do? ${manage}: go weekly, pause, or narrow your topics.</p>`;
  } else if (o.status === "unsubscribed") {
    body = html`<h1>You’re unsubscribed</h1>
${o.done === "unsubscribed" ? notice("ok", "Done. You won’t get any more digests, including one already queued.") : ""}
${o.done === "resubscribe-refused" ? notice("error", "This address can’t be resubscribed here.") : ""}
<p class="lead">No more digests to <strong>${o.email}</strong>. Changed your mind?</p>
<form method="post" action="/unsubscribe/${o.token}/resubscribe"><button type="submit" class="secondary">Resubscribe</button></form>`;
  } else {
    body = html`<h1>You get no digests</h1><p class="lead">Mail to <strong>${o.email}</strong> bounced or was reported, so we stopped sending.</p>`;
  }
  return page({
    title: "Unsubscribe",
    noindex: true,
    body: html`<div class="narrow center">${body}</div>`,
  });
}
