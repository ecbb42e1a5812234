// Find a system Chromium for browser tests, or install Debian's package when we can (root +
// apt-get). Browser downloads are never used. Returns the path, or null with a loud reason.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

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
  const found = findChromium();
  if (found) return found;
  const canApt = process.getuid?.() === 0 && spawnSync("which", ["apt-get"]).status === 0;
  if (canApt) {
    console.log("setup: installing Debian's chromium for browser tests (apt-get)");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    spawnSync(
      "apt-get",
      ["install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-color-emoji"],
      {
        stdio: "inherit",
        env,
      },
    );
    const installed = findChromium();
    if (installed) return installed;
  }
  console.warn(
    "\n*** BROWSER TESTS WILL BE SKIPPED: no Chromium found and it could not be installed. ***\n" +
      "*** Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.      ***\n",
  );
  return null;
}
