import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Locator } from 'playwright-core';

/** Debian's chromium on PATH (CHROMIUM_PATH overrides): playwright-core drives it, nothing is downloaded. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not on PATH: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A laptop-sized window with a fixed locale and time zone, so pages and screenshots read the same everywhere. */
export async function laptopContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1366, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  return context;
}

/** Waits until the user can see `locator` (playwright-core has no auto-waiting `expect`). */
export async function see(locator: Locator, timeoutMs = 15_000): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  return locator;
}
