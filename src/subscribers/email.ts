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
