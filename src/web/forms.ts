/** Turn urlencoded form bodies into the plain objects the zod schemas check. */

type FormBody = Record<string, string | string[] | undefined>;

export function asForm(body: unknown): FormBody {
  return body && typeof body === "object" && !Array.isArray(body) ? (body as FormBody) : {};
}

/** A repeated field (checkboxes) as a list, whether it came once, many times or not at all. */
function formList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A single field; a repeated one counts as its last value. */
export function formText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** Free text with one entry per line or comma, as typed into a textarea. */
function formLines(value: string | string[] | undefined): string[] {
  return (formText(value) ?? "").split(/[\n,]/);
}

/** A number field: blank or non-numeric stays as-is so the schema reports it. */
function formNumber(value: string | string[] | undefined): number | string | undefined {
  const text = formText(value)?.trim();
  if (!text) return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

export function subscribeFormInput(form: FormBody) {
  return {
    email: formText(form.email),
    topics: formList(form.topics),
    timezone: formText(form.timezone)?.trim() || undefined,
    frequency: formText(form.frequency) || undefined,
  };
}

export function preferencesFormInput(form: FormBody) {
  return {
    topics: formList(form.topics),
    keywords: formLines(form.keywords),
    authors: formLines(form.authors),
    muted_topics: formList(form.muted_topics),
    muted_keywords: formLines(form.muted_keywords),
    muted_authors: formLines(form.muted_authors),
    frequency: formText(form.frequency),
    weekly_day: formNumber(form.weekly_day),
    send_hour: formNumber(form.send_hour),
    timezone: formText(form.timezone),
    max_papers: formNumber(form.max_papers),
    min_upvotes: formNumber(form.min_upvotes),
    skip_empty: formText(form.skip_empty) !== undefined,
    paused_until: formText(form.paused_until)?.trim() || null,
  };
}
