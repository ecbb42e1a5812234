/**
 * The canonical IANA name of a zone Intl knows ("europe/berlin" → "Europe/Berlin"), or null.
 * Raw UTC offsets ("+05:00") are refused: they ignore daylight saving, so a send hour drifts.
 */
export function canonicalTimeZone(value: string): string | null {
  const name = value.trim();
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(name)) {
    return null;
  }
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
