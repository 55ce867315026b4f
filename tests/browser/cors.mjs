// CORS as a real browser enforces it: a page on the allowed origin
// (http://127.0.0.1:PORT; tests/browser/run allows it) calls the API on
// another origin (http://localhost:PORT) with the headers stock clients
// send (Apollo's client awareness, an idempotency key, a request id, W3C
// trace context) and reads the exposed `x-request-id`.
//
//   node tests/browser/cors.mjs   (BASE, CHROMIUM from the environment)
const { chromium } = await import(process.env.PLAYWRIGHT ?? "playwright-core");

const base = process.env.BASE ?? "http://127.0.0.1:8000";
const other = base.replace("127.0.0.1", "localhost");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const failures = [];
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures.push(what); };
try {
  const page = await browser.newPage();
  await page.goto(base + "/healthz");
  const answer = await page.evaluate(async (url) => {
    const r = await fetch(url + "/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "apollographql-client-name": "resident-app",
        "apollographql-client-version": "1.2.3",
        "idempotency-key": "browser-check-1",
        "x-request-id": "browser-check-request",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    return { status: r.status, requestId: r.headers.get("x-request-id"), body: await r.json() };
  }, other).catch((e) => ({ error: String(e) }));
  check(answer.status === 200, `a cross-origin POST with the stock headers passes (${JSON.stringify(answer)})`);
  check(answer.requestId === "browser-check-request", "the page reads x-request-id");
  check(answer.body?.data?.__typename === "Query", "and the answer");
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
console.log("CORS checks passed");
