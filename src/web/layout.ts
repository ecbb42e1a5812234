import { html, raw, type SafeHtml } from "../platform/http/html.ts";

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
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
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
