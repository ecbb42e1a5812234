// Find a system Chromium for browser tests, or install Debian's package when we can (root +
// apt-get). Browser downloads are never used. Returns the path, or null with a loud reason.
import { existsSync } from "node:fs";
import { ensureDebianPackages } from "./system-packages.mjs";

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
].filter(Boolean);

export function findChromium() {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export function ensureChromium() {
  const why = "browser tests";
  if (ensureDebianPackages(["chromium", "fonts-noto-color-emoji"], () => !!findChromium(), why)) {
    return findChromium();
  }
  console.warn(
    "\n*** BROWSER TESTS WILL BE SKIPPED: no Chromium found and it could not be installed. ***\n" +
      "*** Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.      ***\n",
  );
  return null;
}
