/** The one time zone normaliser: what readers may choose, and what schedules run in. */

/**
 * Building an Intl.DateTimeFormat costs ~80 µs, which dominates a 100,000-row import; answers
 * never change, so known names are remembered (bounded: only zones that exist are kept).
 */
const known = new Map<string, string>();

/**
 * The canonical IANA name of a zone Intl knows ("europe/berlin" → "Europe/Berlin"), or null.
 * Raw UTC offsets ("+05:00") are refused: they ignore daylight saving, so a send hour drifts.
 */
export function canonicalTimeZone(value: string): string | null {
  const name = value.trim();
  const cached = known.get(name);
  if (cached) return cached;
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(name)) {
    return null;
  }
  try {
    const zone = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    if (known.size < 2000) known.set(name, zone);
    return zone;
  } catch {
    return null;
  }
}

/** A stored zone as schedules use it: canonical, or UTC if unknown (a bad row still gets mail). */
export function timeZoneOrUtc(value: string): string {
  return canonicalTimeZone(value) ?? "UTC";
}
