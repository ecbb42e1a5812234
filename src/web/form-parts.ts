import type { Topic } from "../platform/db/schema.ts";
import { html, type SafeHtml } from "../platform/http/html.ts";
import { WEEKDAYS } from "../subscribers/changes.ts";
import type { FieldErrors } from "./field-errors.ts";

/** Pieces shared by the subscribe form and the preferences page. */

export const checked = (on: boolean) => (on ? html` checked` : "");
export const selected = (on: boolean) => (on ? html` selected` : "");
export const notice = (kind: "ok" | "error", message: SafeHtml | string) =>
  kind === "error"
    ? html`<div class="notice error" role="alert">${message}</div>`
    : html`<div class="notice ok" role="status">${message}</div>`;

/** Topic checkboxes; `firstId` gives the first one the id "<prefix>-first" for error links. */
export function topicChecks(
  topics: Topic[],
  chosen: string[],
  idPrefix: string,
  firstId = false,
): SafeHtml {
  return html`<div class="checks">${topics.map((t, i) => {
    const id = firstId && i === 0 ? `${idPrefix}-first` : `${idPrefix}-${t.slug}`;
    return html`<label for="${id}" title="${t.description}"><input type="checkbox" id="${id}" name="topics" value="${t.slug}"${checked(chosen.includes(t.slug))}> <span>${t.name}</span></label>`;
  })}</div>`;
}

/** "at 8:00 in Berlin (Europe/Berlin) every day", "on Mondays at 8:00 UTC". */
export function scheduleLabel(p: {
  frequency: string;
  weekly_day: number;
  send_hour: number;
  timezone: string;
}): string {
  const at = `at ${localTime(p.send_hour, p.timezone)}${p.timezone.includes("/") ? ` (${p.timezone})` : ""}`;
  return p.frequency === "weekly" ? `on ${WEEKDAYS[p.weekly_day]}s ${at}` : `${at} every day`;
}

/** "8:00 in Berlin", "8:00 UTC": a send hour in a zone, as a reader says it. */
export function localTime(hour: number, zone: string): string {
  const city = zone.split("/").at(-1)!.replace(/_/g, " ");
  return zone.includes("/") ? `${hour}:00 in ${city}` : `${hour}:00 ${city}`;
}

/**
 * A time-zone field that searches as you type (a datalist of every IANA zone), with the send
 * hour written out in it ("Your digest arrives at 8:00 in Berlin"); app.js keeps that line
 * current as the reader types.
 */
export function timeZoneField(o: {
  id: string;
  label: string;
  value: string;
  hour: number;
  errors?: FieldErrors;
}): SafeHtml {
  const error = o.errors?.timezone;
  const described = error ? `${o.id}-error ${o.id}-hint` : `${o.id}-hint`;
  return html`<div class="field">
  <label for="${o.id}">${o.label}</label>
  <input type="text" id="${o.id}" name="timezone" list="${o.id}-zones" data-timezone data-hour="${o.hour}" autocomplete="off" spellcheck="false" maxlength="64" value="${o.value}" aria-describedby="${described}"${error ? html` aria-invalid="true"` : ""}>
  ${error ? html`<p class="field-error" id="${o.id}-error">${error}</p>` : ""}
  <p class="hint" id="${o.id}-hint">Type a city to search, e.g. Berlin or New York. Your digest arrives at <strong data-local-time>${localTime(o.hour, o.value)}</strong>.</p>
  <datalist id="${o.id}-zones">${timeZones().map((z) => html`<option value="${z}"></option>`)}</datalist>
</div>`;
}

function timeZones(): string[] {
  return ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
}
