// Find SpamAssassin for the mail spam-score test, or install Debian's package when we can
// (root + apt-get), as scripts/chromium.mjs does for Chromium. Returns the path, or null with a
// loud reason (the test then skips and says so).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = [process.env.SPAMASSASSIN_PATH, "/usr/bin/spamassassin"].filter(Boolean);

export function findSpamAssassin() {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export function ensureSpamAssassin() {
  const found = findSpamAssassin();
  if (found) return found;
  const canApt = process.getuid?.() === 0 && spawnSync("which", ["apt-get"]).status === 0;
  if (canApt) {
    console.log("setup: installing Debian's spamassassin for the mail spam-score test (apt-get)");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "spamassassin"], {
      stdio: "inherit",
      env,
    });
    const installed = findSpamAssassin();
    if (installed) return installed;
  }
  console.warn(
    "\n*** THE SPAMASSASSIN TEST WILL BE SKIPPED: spamassassin is not installed and could not be. ***\n" +
      "*** Install it (Debian/Ubuntu: apt-get install spamassassin) or set SPAMASSASSIN_PATH.    ***\n",
  );
  return null;
}
