/**
 * The stored form of an address: trimmed, domain lower-cased. The local part keeps its case
 * (RFC 5321 lets servers treat it case-sensitively); uniqueness is case-insensitive in SQL.
 */
export function normalizeEmail(input: string): string {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed;
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** Providers that deliver `a.b@` and `ab@` to one mailbox (and googlemail.com is gmail.com). */
const DOTLESS_DOMAINS: Record<string, string> = {
  "gmail.com": "gmail.com",
  "googlemail.com": "gmail.com",
};

/** The recipient domain, lower-cased, with a provider's aliases folded (googlemail → gmail). */
export function mailDomain(email: string): string {
  const domain = email
    .trim()
    .slice(email.trim().lastIndexOf("@") + 1)
    .toLowerCase();
  return DOTLESS_DOMAINS[domain] ?? domain;
}

/**
 * The mailbox an address delivers to, as far as it can be told from outside: case ignored,
 * a `+tag` stripped, and dots ignored where the provider ignores them. `victim+1@gmail.com`,
 * `v.ictim@googlemail.com` and `Victim@gmail.com` are one mailbox; for limits, not storage.
 */
export function mailboxKey(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed;
  const domain = mailDomain(trimmed);
  let local = trimmed.slice(0, at);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (DOTLESS_DOMAINS[domain]) local = local.replaceAll(".", "");
  return `${local}@${domain}`;
}
