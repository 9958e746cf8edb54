// The dashboard's browser test (issue 15), run by scripts/ui_test.sh:
// a real headless Chromium (Debian's) driven by playwright-core signs in,
// imports an org document, checks the page's numbers against the API's,
// sees a user created through the API counted, adds a fault rule through
// the page and sees the faulted call marked in the live journal, signs out
// and is refused; axe-core runs on every page visited (0 serious or
// critical violations allowed); screenshots go to docs/screenshots/.
//
// Environment: BASE (server URL), ADMIN_KEY, FIXTURE (an org document),
// SHOTS (screenshot folder), CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const { BASE, ADMIN_KEY, FIXTURE, SHOTS } = process.env;
const UI = `${BASE}/_orgdir/ui`;
const fixture = JSON.parse(readFileSync(FIXTURE, "utf8"));
const ORG = fixture.org.id;

let failures = 0;
const ok = (label, detail = "") => console.log(`ok: ${label}${detail ? ` (${detail})` : ""}`);
function expect(label, want, got) {
  if (String(want) !== String(got)) {
    console.log(`FAIL: ${label}: wanted ${want}, got ${got}`);
    failures++;
  } else ok(label, `${got}`);
}
function check(label, cond, detail = "") {
  if (!cond) { console.log(`FAIL: ${label} ${detail}`); failures++; } else ok(label, detail);
}

// The control plane and the Zoho API, from outside the browser.
async function admin(method, path, body) {
  const r = await fetch(`${BASE}/_orgdir${path}`, {
    method, headers: { "X-Orgdir-Admin-Key": ADMIN_KEY, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json() };
}
let token;
async function api(method, path, body) {
  const r = await fetch(`${BASE}${path}`, {
    method, headers: { Authorization: `Zoho-oauthtoken ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}
const num = (v) => Number(v);

// axe-core on the page as it is; serious and critical violations fail.
const axeSummary = [];
async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  axeSummary.push({ page: name, violations: result.length, serious_or_critical: bad.length });
  for (const v of result) console.log(`  axe ${name}: ${v.impact} ${v.id} ×${v.nodes}: ${v.help}`);
  check(`axe: ${name}: 0 serious or critical violations`, bad.length === 0, `${result.length} violations in all`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const cspErrors = [];
page.on("console", (m) => { if (m.type() === "error" && /Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text()); });

try {
  // A browser opening / is sent to the dashboard, which asks to sign in.
  await page.goto(`${BASE}/`);
  check("GET / in a browser lands on the sign-in page", page.url() === `${UI}/login`, page.url());
  await axe(page, "sign-in");
  await page.fill("#key", "not-the-admin-key");
  await page.click("button[type=submit]");
  check("a wrong key is refused", (await page.locator("#signin-error").count()) === 1);
  await page.fill("#key", ADMIN_KEY);
  await Promise.all([page.waitForURL(`${UI}/`), page.click("button[type=submit]")]);
  ok("signed in with the admin key");
  await axe(page, "orgs");

  // Import the org document through the page's form.
  await page.setInputFiles("#org-document", FIXTURE);
  await Promise.all([page.waitForURL(`${UI}/orgs/${ORG}`), page.click("#import-title ~ form button")]);
  ok("imported the org document", fixture.org.name);
  await axe(page, "org dashboard");
  const minted = await admin("POST", `/orgs/${ORG}/tokens`, {});
  token = minted.body.access_token;

  // The numbers shown are the API's.
  async function compare(round) {
    const count = await api("GET", "/crm/v8/users/actions/count?type=AllUsers");
    expect(`${round}: users count`, count.body.count, await page.getAttribute("#users-all", "data-count"));
    const lic = (await api("GET", "/crm/v8/__features/user_licenses")).body.__features[0].details;
    expect(`${round}: licences used`, lic.used_count.total, await page.textContent("#licences-used"));
    expect(`${round}: licences available`, lic.available_count.total, await page.textContent("#licences-available"));
    expect(`${round}: licences purchased`, lic.limits.total, await page.textContent("#licences-purchased"));
    const terr = (await api("GET", "/crm/v8/settings/territories/actions/associated_users_count")).body.associated_users_count;
    const t = terr.reduce((a, b) => (num(b.count) > num(a.count) ? b : a));
    expect(`${round}: territory ${t.territory.name} associated users`, num(t.count),
      await page.getAttribute(`[data-territory="${t.territory.id}"] .count`, "data-count"));
    const groups = (await api("GET", "/crm/v8/settings/user_groups/actions/associated_users_count")).body.associated_users_count;
    const g = groups.reduce((a, b) => (num(b.count) > num(a.count) ? b : a));
    expect(`${round}: group ${g.user_group.name} associated users`, num(g.count),
      await page.getAttribute(`[data-group="${g.user_group.id}"] .count`, "data-count"));
    return num(count.body.count);
  }
  const before = await compare("imported");
  await page.screenshot({ path: `${SHOTS}/org-dashboard.png`, fullPage: true });

  // A user created through the API is counted on the next look.
  const someone = (await api("GET", "/crm/v8/users?type=ActiveUsers")).body.users[0];
  const created = await api("POST", "/crm/v8/users", { users: [{
    email: "browser.test@example.com", last_name: "Browser", role: someone.role.id, profile: someone.profile.id }] });
  expect("created a user through the API", 201, created.status);
  await page.reload();
  const after = await compare("after the new user");
  expect("the page's users count moved by one", before + 1, after);

  // Phone width: the page still fits and passes axe.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check("no sideways scrolling at 390 px", overflow <= 1, `${overflow}px over`);
  await axe(page, "org dashboard at 390 px");
  await page.setViewportSize({ width: 1280, height: 900 });

  // The org list, for the README.
  await page.goto(`${UI}/`);
  await page.screenshot({ path: `${SHOTS}/orgs.png`, fullPage: true });

  // A fault rule added through the page marks the call in the live journal.
  await page.goto(`${UI}/orgs/${ORG}`);
  await Promise.all([page.waitForURL(/\/controls$/), page.click("text=Emulator controls")]);
  await axe(page, "emulator controls");
  await page.selectOption("#r-method", "GET");
  await page.fill("#r-path", "/crm/*/users");
  await page.selectOption("#r-effect", "error");
  await page.fill("#r-status", "503");
  await page.fill("#r-code", "INTERNAL_ERROR");
  await page.selectOption("#r-trigger", "times");
  await page.fill("#r-n", "1");
  await Promise.all([page.waitForURL(/controls#faults$/), page.click("text=Add rule")]);
  check("the rule is listed", (await page.locator("[data-rule]").count()) === 1);
  const faulted = await api("GET", "/crm/v8/users");
  expect("the next GET /users is faulted", 503, faulted.status);
  // No reload: the journal refreshes itself every 2 s.
  await page.waitForSelector("#journal-rows tr.faulted", { timeout: 8000 });
  const row = await page.textContent("#journal-rows tr.faulted");
  check("the journal marks the faulted call", /faulted \(rule 1\)/.test(row) && /503/.test(row), row.replace(/\s+/g, " "));
  await page.screenshot({ path: `${SHOTS}/emulator-controls.png`, fullPage: true });
  await axe(page, "emulator controls with a faulted call");

  // Signing out ends it: pages ask to sign in again, actions are refused.
  await Promise.all([page.waitForURL(`${UI}/login`), page.click("text=Sign out")]);
  ok("signed out");
  await page.goto(`${UI}/orgs/${ORG}`);
  check("a page after signing out asks to sign in", page.url() === `${UI}/login`, page.url());
  const action = await page.request.post(`${UI}/orgs/${ORG}/delete`, { form: { csrf: "x" }, maxRedirects: 0 });
  expect("an action after signing out is refused", 401, action.status());
  const still = await admin("GET", `/orgs/${ORG}`);
  expect("the org is still there", 200, still.status);
  check("no Content-Security-Policy violations", cspErrors.length === 0, cspErrors.join(" | "));
} catch (e) {
  console.log(`FAIL: ${e.stack || e}`);
  failures++;
} finally {
  await browser.close();
}
console.log("axe summary:");
for (const s of axeSummary) console.log(`  ${s.page}: ${s.violations} violations, ${s.serious_or_critical} serious or critical`);
console.log(`screenshots: ${SHOTS}/orgs.png ${SHOTS}/org-dashboard.png ${SHOTS}/emulator-controls.png`);
if (failures) { console.log(`${failures} failure(s)`); process.exit(1); }
console.log("browser test passed");
