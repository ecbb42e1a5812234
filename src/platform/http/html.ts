import escapeHtml from "escape-html";

/** A string already known to be safe HTML. Only `html` and `raw` make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = SafeHtml | string | number | boolean | null | undefined | Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return "";
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(render).join("");
  return escapeHtml(String(part));
}

/** Tagged template that escapes every interpolation unless it is SafeHtml (or an array of it). */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Trust a string as HTML. Use only for markup the app produced itself. */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

/** Only http(s) URLs may become links; anything else (javascript:, data:) becomes null. */
export function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Short text for search engines and link previews. */
  description?: string;
  /** Hide from search engines (token pages). */
  noindex?: boolean;
}

/** The shared page shell: one stylesheet, one small script, no inline code (strict CSP). */
export function page({ title, body, description, noindex }: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Paperboy</title>
${description ? html`<meta name="description" content="${description}">` : ""}
${noindex ? raw('<meta name="robots" content="noindex">') : ""}
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="/static/app.css">
<link rel="alternate" type="application/rss+xml" title="Paperboy" href="/feed.xml">
<script src="/static/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><a class="brand" href="/">📰 Paperboy</a><nav aria-label="Site"><a href="/digests">Archive</a> <a href="/feed.xml">RSS</a></nav></header>
<main id="main">
${body}
</main>
<footer class="site"><p>Paperboy · trending research papers, at your hour. <a href="/feed.json">JSON Feed</a></p></footer>
</body>
</html>`.value;
}
