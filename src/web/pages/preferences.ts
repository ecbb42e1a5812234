import type { Topic } from "../../platform/db/schema.ts";
import { html, type SafeHtml } from "../../platform/http/html.ts";
import { hourLabel, WEEKDAYS } from "../../subscribers/changes.ts";
import type { PreferencesView } from "../../subscribers/preferences.ts";
import type { VoteView } from "../../subscribers/repository.ts";
import { errorSummary, type FieldErrors, fieldError } from "../field-errors.ts";
import { checked, notice, selected, timeZoneField, topicChecks } from "../form-parts.ts";
import { page } from "../layout.ts";
import { yourDataSection } from "./your-data.ts";

/** The reader's preferences page (no login: the signed link is the key). */

export interface PreferencesPageOptions {
  token: string;
  /** The reader's private feed, without extension. */
  feedUrl: string;
  email: string;
  status: string;
  unsubscribeUrl: string;
  prefs: PreferencesView;
  topics: Topic[];
  changes?: string[];
  errors?: FieldErrors;
  /** The reader's "more/less like this" votes, newest first. */
  votes?: VoteView[];
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
${status}${saved}${o.errors ? errorSummary(o.errors, { topics: "pref-topic-first", frequency: "pf-daily" }) : ""}${o.revoked ? revokedNotice : ""}
<form method="post" action="/preferences/${o.token}" class="card prefs" novalidate>
<fieldset>
  <legend>Topics</legend>
  <p class="hint">Papers in these topics come first. Choose none to get the overall top papers.</p>
  ${fieldError(o.errors, "topics").message}
  ${topicChecks(o.topics, p.topics, "pref-topic", true)}
</fieldset>
${textListField("keywords", "Keywords to follow", p.keywords, "One per line (or comma-separated), e.g. diffusion, retrieval. Matched in titles, abstracts and keywords.", o.errors)}
${textListField("authors", "Authors to follow", p.authors, "One name per line.", o.errors)}
${muteFields(p, o.topics)}
${scheduleFields(p, o.errors)}
${digestFields(p, o.errors)}
<button type="submit">Save preferences</button>
</form>
${votesSection(o.token, o.votes ?? [])}
${yourDataSection({ token: o.token, feedUrl: o.feedUrl })}
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

/** Mutes: a paper matching any of them is never sent, whatever else it matches. */
function muteFields(p: PreferencesView, topics: Topic[]): SafeHtml {
  return html`<fieldset>
  <legend>Mutes</legend>
  <p class="hint">Papers matching any of these are never sent, even if they match what you follow.</p>
  <div class="field">
    <label for="muted_topics">Muted topics</label>
    <select id="muted_topics" name="muted_topics" multiple size="4" aria-describedby="muted-topics-hint">${topics.map((t) => html`<option value="${t.slug}"${selected(p.muted_topics.includes(t.slug))}>${t.name}</option>`)}</select>
    <p class="hint" id="muted-topics-hint">Ctrl/Cmd-click to choose several; none chosen mutes no topic.</p>
  </div>
  <div class="field">
    <label for="muted_keywords">Muted keywords</label>
    <textarea id="muted_keywords" name="muted_keywords" rows="2" aria-describedby="muted-keywords-hint">${p.muted_keywords.join("\n")}</textarea>
    <p class="hint" id="muted-keywords-hint">One per line (or comma-separated), e.g. survey.</p>
  </div>
  <div class="field">
    <label for="muted_authors">Muted authors</label>
    <textarea id="muted_authors" name="muted_authors" rows="2" aria-describedby="muted-authors-hint">${p.muted_authors.join("\n")}</textarea>
    <p class="hint" id="muted-authors-hint">One name per line.</p>
  </div>
</fieldset>`;
}

function textListField(
  id: "keywords" | "authors",
  label: string,
  items: string[],
  hint: string,
  errors?: FieldErrors,
): SafeHtml {
  const message = errors?.[id];
  return html`<div class="field">
  <label for="${id}">${label}</label>
  <textarea id="${id}" name="${id}" rows="3" aria-describedby="${message ? `${id}-error ` : ""}${id}-hint"${message ? html` aria-invalid="true"` : ""}>${items.join("\n")}</textarea>
  ${message ? html`<p class="field-error" id="${id}-error">${message}</p>` : ""}
  <p class="hint" id="${id}-hint">${hint}</p>
</div>`;
}

/** A number or select field with its error beside it. */
function errorOf(errors: FieldErrors | undefined, id: string) {
  return fieldError(errors, id);
}

function scheduleFields(p: PreferencesView, errors?: FieldErrors): SafeHtml {
  const day = errorOf(errors, "weekly_day");
  const hour = errorOf(errors, "send_hour");
  return html`<fieldset>
  <legend>Schedule</legend>
  <div class="radios">
    <label for="pf-daily"><input type="radio" id="pf-daily" name="frequency" value="daily"${checked(p.frequency === "daily")}> Daily</label>
    <label for="pf-weekly"><input type="radio" id="pf-weekly" name="frequency" value="weekly"${checked(p.frequency === "weekly")}> Weekly</label>
  </div>
  <div class="row">
    <div class="field" data-weekly-only${p.frequency === "weekly" ? "" : html` hidden`}>
      <label for="weekly_day">Weekly digest day</label>
      <select id="weekly_day" name="weekly_day"${day.attrs}>${WEEKDAYS.map((d, i) => html`<option value="${i}"${selected(i === p.weekly_day)}>${d}</option>`)}</select>
      ${day.message}
    </div>
    <div class="field">
      <label for="send_hour">Send hour</label>
      <select id="send_hour" name="send_hour" data-send-hour${hour.attrs}>${Array.from({ length: 24 }, (_, h) => html`<option value="${h}"${selected(h === p.send_hour)}>${hourLabel(h)}</option>`)}</select>
      ${hour.message}
    </div>
  </div>
  ${timeZoneField({ id: "pref-timezone", label: "Time zone", value: p.timezone, hour: p.send_hour, errors })}
</fieldset>`;
}

function digestFields(p: PreferencesView, errors?: FieldErrors): SafeHtml {
  const max = errorOf(errors, "max_papers");
  const min = errorOf(errors, "min_upvotes");
  const pause = errorOf(errors, "paused_until");
  return html`<fieldset>
  <legend>Digest</legend>
  <div class="row">
    <div class="field">
      <label for="max_papers">Papers per digest</label>
      <input type="number" id="max_papers" name="max_papers" min="1" max="50" step="1" value="${p.max_papers}"${max.attrs}>
      ${max.message}
    </div>
    <div class="field">
      <label for="min_upvotes">Minimum upvotes</label>
      <input type="number" id="min_upvotes" name="min_upvotes" min="0" step="1" value="${p.min_upvotes}"${min.attrs}>
      ${min.message}
    </div>
  </div>
  <label for="skip_empty" class="check"><input type="checkbox" id="skip_empty" name="skip_empty" value="on"${checked(p.skip_empty)}> Skip days with nothing matching</label>
  <div class="field">
    <label for="paused_until">Pause until</label>
    <input type="date" id="paused_until" name="paused_until" value="${p.paused_until ?? ""}" aria-describedby="${pause.attrs.value ? "paused_until-error " : ""}paused-hint"${pause.attrs.value ? html` aria-invalid="true"` : ""}>
    ${pause.message}
    <p class="hint" id="paused-hint">Leave empty to keep receiving. No digests until this date.</p>
  </div>
</fieldset>`;
}

/** The reader's votes, each with a Remove button (its own small form). */
function votesSection(token: string, votes: VoteView[]): SafeHtml {
  const items = votes.map(
    (
      v,
    ) => html`<li><span class="vote">${v.vote === 1 ? "More like this" : "Less like this"}:</span> ${v.title}
<form method="post" action="/preferences/${token}/votes/remove" class="inline"><input type="hidden" name="paper_id" value="${v.paperId}"><button type="submit" class="secondary" aria-label="Remove vote on ${v.title}">Remove</button></form></li>`,
  );
  return html`<section class="card" aria-labelledby="votes-heading">
<h2 id="votes-heading">Your votes</h2>
${
  votes.length
    ? html`<p class="hint">From the “More like this” and “Less like this” links in your digests; they shape the papers you get.</p><ul class="votes">${items}</ul>`
    : html`<p class="hint">None yet. Use “More like this” or “Less like this” under a paper in your digest to teach Paperboy what you want.</p>`
}
</section>`;
}
