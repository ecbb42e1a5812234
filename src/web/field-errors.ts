import { html, type SafeHtml } from "../platform/http/html.ts";

/**
 * Form errors in a reader's words, each beside its field: the schemas speak to API clients
 * ("max_papers must be between 1 and 50"), a form speaks to a person ("Choose from 1 to 50
 * papers."). Every problem is shown, not only the first.
 */
export type FieldErrors = Partial<Record<string, string>>;

/** Field order on the forms, and the label an error summary links with. */
const FIELDS: Record<string, string> = {
  email: "Email address",
  topics: "Topics",
  frequency: "How often",
  keywords: "Keywords to follow",
  authors: "Authors to follow",
  weekly_day: "Weekly digest day",
  send_hour: "Send hour",
  timezone: "Time zone",
  max_papers: "Papers per digest",
  min_upvotes: "Minimum upvotes",
  skip_empty: "Skip days with nothing matching",
  paused_until: "Pause until",
};

function humanMessage(field: string, message: string): string {
  switch (field) {
    case "email":
      if (/required/.test(message)) return "Enter your email address.";
      if (/too long/.test(message)) return "This address is too long: 254 characters at most.";
      return "Enter an email address in the form name@example.org.";
    case "timezone":
      return "Choose your time zone from the list, for example Europe/Berlin.";
    case "frequency":
      return "Choose daily or weekly.";
    case "topics":
      return "Choose topics from the list.";
    case "keywords":
      return /at most \d+ keywords/.test(message)
        ? "Follow at most 20 keywords."
        : "Keep each keyword to 60 characters or fewer.";
    case "authors":
      return /at most \d+ authors/.test(message)
        ? "Follow at most 20 authors."
        : "Keep each author’s name to 100 characters or fewer.";
    case "weekly_day":
      return "Choose a day of the week.";
    case "send_hour":
      return "Choose an hour from 0:00 to 23:00.";
    case "max_papers":
      return "Choose from 1 to 50 papers per digest.";
    case "min_upvotes":
      return "Enter a whole number of upvotes, 0 or more.";
    case "paused_until":
      return "Enter a date such as 2026-09-01, or leave it empty to keep receiving.";
    default:
      return "Something in this form could not be read. Reload the page and try again.";
  }
}

/** Fastify's validation issues (zod type provider: instancePath "/email") as field errors. */
export function fieldErrorsOf(
  validation: ReadonlyArray<{ instancePath?: string; message?: string }> | undefined,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of validation ?? []) {
    const field = issue.instancePath?.split("/")[1] || "form";
    errors[field] ??= humanMessage(field, issue.message ?? "");
  }
  if (Object.keys(errors).length === 0) errors.form = humanMessage("form", "");
  return errors;
}

/** A service's InputError ("unknown topic: x") as a field error. */
export function inputErrorAsFields(message: string): FieldErrors {
  const topic = /^unknown topic: (.*)$/.exec(message);
  if (topic) return { topics: `We don’t know the topic “${topic[1]}”: choose from the list.` };
  return { form: humanMessage("form", message) };
}

/** The box above a form that lists every problem, each linking to its field. */
export function errorSummary(errors: FieldErrors, ids: Record<string, string> = {}): SafeHtml {
  const entries = Object.entries(errors).filter(([, m]) => m);
  if (entries.length === 0) return html``;
  const order = Object.keys(FIELDS);
  entries.sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  const title =
    entries.length === 1 ? "Please fix one thing:" : `Please fix these ${entries.length} things:`;
  return html`<div class="notice error error-summary" role="alert" tabindex="-1" id="errors">
<p><strong>${title}</strong></p>
<ul>${entries.map(([field, message]) =>
    field in FIELDS
      ? html`<li><a href="#${ids[field] ?? field}">${FIELDS[field]}</a>: ${message}</li>`
      : html`<li>${message}</li>`,
  )}</ul>
</div>`;
}

/** Attributes and message for one field: aria-invalid + aria-describedby, and the text. */
export function fieldError(errors: FieldErrors | undefined, field: string, id = field) {
  const message = errors?.[field];
  return {
    attrs: message ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``,
    message: message ? html`<p class="field-error" id="${id}-error">${message}</p>` : html``,
  };
}
