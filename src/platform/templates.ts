import { readFile } from "node:fs/promises";
import Handlebars from "handlebars";
import mjml2html from "mjml";
import { safeUrl } from "./http/html.ts";

export type TemplateFn<T = Record<string, unknown>> = (data: T) => string;

export const templatesDir = new URL("../../templates/", import.meta.url);

/**
 * A Handlebars environment of our own (no global registry). `{{x}}` escapes HTML; `{{{x}}}`
 * is reserved for markup the app built itself. `safeUrl` lets only http(s) links through.
 */
export function createHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper("safeUrl", (value: unknown) =>
    typeof value === "string" ? (safeUrl(value) ?? "#") : "#",
  );
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  return hb;
}

/**
 * MJML is slow (tens of ms a call), so it runs once per template at start: MJML → HTML that
 * still holds Handlebars placeholders → a compiled function that runs per recipient.
 */
async function compileMjml<T = Record<string, unknown>>(
  source: string,
  hb: typeof Handlebars = createHandlebars(),
): Promise<TemplateFn<T>> {
  return compileHtml<T>(await mjmlToHtml(source), hb);
}

/** The Handlebars options every mail template is compiled with. */
export function compileHtml<T = Record<string, unknown>>(
  html: string,
  hb: typeof Handlebars,
): TemplateFn<T> {
  return hb.compile<T>(html, { strict: false, noEscape: false });
}

async function mjmlToHtml(source: string): Promise<string> {
  const result = await mjml2html(source, { validationLevel: "strict", keepComments: false });
  if (result.errors?.length) {
    throw new Error(`MJML errors: ${result.errors.map((e) => e.formattedMessage).join("; ")}`);
  }
  return asMainLandmark(result.html);
}

/** templates/<name>.mjml as HTML that still holds its Handlebars placeholders. */
export async function loadMjmlHtml(name: string): Promise<string> {
  return mjmlToHtml(await readFile(new URL(`${name}.mjml`, templatesDir), "utf8"));
}

/**
 * MJML wraps the mail in role="article". A client that shows the mail as its own document
 * (Apple Mail, a browser opening the .eml) then has no main landmark, and screen-reader users
 * cannot jump to the content; webmail strips the role. So the wrapper is the main landmark,
 * still described as "email".
 */
function asMainLandmark(html: string): string {
  return html.replace(
    'aria-roledescription="email" role="article"',
    'aria-roledescription="email" role="main"',
  );
}

/** Read templates/<name>.mjml and compile it. */
export async function loadMjmlTemplate<T = Record<string, unknown>>(
  name: string,
  hb?: typeof Handlebars,
): Promise<TemplateFn<T>> {
  const source = await readFile(new URL(`${name}.mjml`, templatesDir), "utf8");
  return compileMjml<T>(source, hb);
}
