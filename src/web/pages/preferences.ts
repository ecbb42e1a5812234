import type { Topic } from "../../platform/db/schema.ts";
import { html, type SafeHtml } from "../../platform/http/html.ts";
import { hourLabel, WEEKDAYS } from "../../subscribers/changes.ts";
import type { PreferencesView } from "../../subscribers/preferences.ts";
import { checked, notice, selected, topicChecks } from "../form-parts.ts";
import { page } from "../layout.ts";

/** The reader's preferences page (no login: the signed link is the key). */

export interface PreferencesPageOptions {
  token: string;
  email: string;
  status: string;
  unsubscribeUrl: string;
  prefs: PreferencesView;
  topics: Topic[];
  changes?: string[];
  error?: string;
  /** The reader just revoked their old links; this page's address is the new one. */
  revoked?: boolean;
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
${status}${saved}${o.error ? notice("error", o.error) : ""}${o.revoked ? revokedNotice : ""}
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
${scheduleFields(p)}
${digestFields(p)}
<button type="submit">Save preferences</button>
</form>
<form method="post" action="/preferences/${o.token}/revoke" class="card">
<h2>Links shared by mistake?</h2>
<p class="hint">Forwarded a digest, or someone else has this page’s address? Revoke every link we sent you, this page’s and those in earlier mails: this page moves to a new address and your next digest carries new links.</p>
<button type="submit" class="secondary">Revoke my old links</button>
</form>
<p class="hint center"><a href="${o.unsubscribeUrl}">Unsubscribe</a></p>
</div>`,
  });
}

const revokedNotice = notice(
  "ok",
  html`<strong>Your old links no longer work.</strong> Bookmark this page: its address is new, and so are the links in your next digest.`,
);

function scheduleFields(p: PreferencesView): SafeHtml {
  return html`<fieldset>
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
</fieldset>`;
}

function digestFields(p: PreferencesView): SafeHtml {
  return html`<fieldset>
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
</fieldset>`;
}
