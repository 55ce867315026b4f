// GraphiQL's first screen in a real headless Chromium, offline: the page
// loads with nothing from outside the server, the schema explorer lists
// `Query`, Run on the page's own Login example returns an access token,
// and a `me` query run next answers with that token, without editing any
// header. Screenshots go to $OUT (test output, not committed).
//
//   node tests/browser/graphiql.mjs   (BASE, CHROMIUM, OUT from the environment;
//                                      tests/browser/run starts the server)
import { mkdirSync } from "node:fs";

// playwright-core lives in target/browser-check (tests/browser/run installs it).
const { chromium } = await import(process.env.PLAYWRIGHT ?? "playwright-core");

const base = process.env.BASE ?? "http://127.0.0.1:8000";
const out = process.env.OUT ?? "target/browser-check";
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const failures = [];
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures.push(what); };

try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Offline: anything not from the server itself is refused (and noted).
  const outside = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  await page.goto(base + "/", { waitUntil: "networkidle" });
  await page.waitForSelector(".graphiql-container", { timeout: 30000 });
  check(outside.length === 0, `no request leaves the server (${outside.join(", ") || "none"})`);
  await page.screenshot({ path: `${out}/1-first-screen.png` });

  // The schema explorer: introspection works on the first screen.
  await page.click('button[aria-label="Show Documentation Explorer"]');
  const docs = page.locator(".graphiql-doc-explorer");
  await docs.getByText("Query", { exact: true }).first().waitFor({ timeout: 15000 });
  check(await docs.getByText("Query", { exact: true }).count() > 0, "the documentation explorer lists Query");
  await page.screenshot({ path: `${out}/2-explorer.png` });

  // Run, and choose the Login operation of the example.
  await page.click(".graphiql-execute-button");
  const login = page.getByRole("menuitem", { name: "Login" });
  if (await login.count()) await login.click();
  await page.waitForFunction(() => document.querySelector(".result-window")?.textContent?.includes("accessToken"),
    null, { timeout: 20000 });
  const result = await page.locator(".result-window").textContent();
  check(/"accessToken":\s*"ey/.test(result ?? ""), "Run on the Login example returns an accessToken");
  check((await page.locator("#who").textContent()).startsWith("Signed in"), "the page says it keeps the token");
  await page.screenshot({ path: `${out}/3-login.png` });

  // Run Me: the kept token goes with it.
  await page.click(".graphiql-execute-button");
  const me = page.getByRole("menuitem", { name: "Me" });
  if (await me.count()) await me.click();
  await page.waitForFunction(() => /"role":\s*"RESIDENT"/.test(document.querySelector(".result-window")?.textContent ?? ""),
    null, { timeout: 20000 }).catch(() => {});
  const answer = await page.locator(".result-window").textContent();
  check(/"role":\s*"RESIDENT"/.test(answer ?? ""), "a me query with that token answers");
  await page.screenshot({ path: `${out}/4-me.png` });
} catch (e) {
  failures.push(String(e));
  console.log("FAIL", e);
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log("browser checks passed");
