// Drives Debian's Chromium (headless) with playwright-core through one HAR
// scenario against tools/authserver.py, and writes what the browser recorded:
//
//   node record.mjs SCENARIO PORT OUT_DIR      -> OUT_DIR/SCENARIO.har
//                                                 OUT_DIR/SCENARIO.sanitized.har
//   node record.mjs --sanitize IN.har OUT.har  (the sanitizer alone)
//
// The HAR is Playwright's own recorder (context option recordHar, mode 'full',
// content 'embed'): every entry is a request the browser really sent. Host
// names (intranet.test, app.test) reach 127.0.0.1 through Chromium's
// --host-resolver-rules, so the origins are not "localhost" (Chromium treats
// http://localhost and 127.0.0.1 as secure contexts and would keep a Secure
// cookie there). Called by record-har.sh, which owns the server and tcpdump.
// Every step has a time limit; credentials are made-up fixtures.

import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 10_000;
// Response bodies above this many characters are cut (and marked) so every
// fixture stays small; the bodies here are all far below it.
const MAX_BODY_CHARS = 2048;

// Navigates. Headless Chromium has no login prompt: a navigation answered
// 401 with a challenge ends with net::ERR_INVALID_AUTH_CREDENTIALS after the
// response has arrived (the HAR keeps the 401). That one is expected and
// logged; any other failure stops the recording.
async function visit(page, url) {
  try {
    const r = await page.goto(url, { timeout: STEP_MS });
    console.error(`record-har:   ${r ? r.status() : '-'} ${url}`);
  } catch (e) {
    const first = String(e.message).split('\n')[0];
    if (!first.includes('net::ERR_INVALID_AUTH_CREDENTIALS')) throw e;
    console.error(`record-har:   ${first}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What the page does, per scenario. `base(host)` is http://HOST:PORT.
const SCENARIOS = {
  // Basic credentials set as an Authorization header on the page
  // (page.setExtraHTTPHeaders: Chromium itself puts the field on the request,
  // tcpdump sees it on the wire). Anonymous first (401 Basic realm="ops"),
  // then alice with a wrong password twice, then the right one.
  //
  // Not httpCredentials: when Chromium answers the 401 challenge itself, the
  // retry happens inside its network stack and the HAR (Playwright's, and
  // DevTools' alike) keeps one entry per navigation, with the anonymous
  // request's headers and the last response: no Authorization and no
  // intermediate 401 at all, while the wire shows both (see README.md).
  async basic_wrong_then_right({ page, base }) {
    const url = base('intranet.test') + '/basic/reports';
    const basic = (pw) => 'Basic ' + Buffer.from(`alice:${pw}`).toString('base64');
    const steps = [null, basic('wrong-pass'), basic('wrong-pass'), basic('correct-horse')];
    for (const auth of steps) {
      await page.setExtraHTTPHeaders(auth ? { Authorization: auth } : {});
      await visit(page, url);
      await sleep(300);
    }
  },

  // The Secure session cookie is set over plain http: Chromium refuses to store
  // it, so every visit to /secure/ after signing in lands on the login form
  // again. The form is filled in and submitted like a user would, 4 times.
  async login_redirect_loop({ page, base }) {
    await page.goto(base('app.test') + '/secure/', { timeout: STEP_MS });
    for (let i = 0; i < 4; i++) {
      await page.fill('input[name=user]', 'alice', { timeout: STEP_MS });
      await page.fill('input[name=password]', 'correct-horse', { timeout: STEP_MS });
      await Promise.all([
        page.waitForURL(/\/secure\/login/, { timeout: STEP_MS, waitUntil: 'load' }),
        page.click('button', { timeout: STEP_MS }),
      ]);
      await sleep(200);
    }
  },

  // A page whose script calls a rate-limited API 8 times in a row, 100 ms
  // apart, ignoring the Retry-After of the 429s (limit: 3 per 10 s).
  async rate_limit_429({ page, base }) {
    await page.goto(base('intranet.test') + '/new', { timeout: STEP_MS });
    const statuses = await page.evaluate(async () => {
      const out = [];
      for (let i = 0; i < 8; i++) {
        const r = await fetch('/limited/items', { cache: 'no-store' });
        await r.text();
        out.push(r.status);
        await new Promise((res) => setTimeout(res, 100));
      }
      return out;
    });
    console.error(`record-har:   fetch statuses ${statuses.join(' ')}`);
  },
};

function launchArgs() {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP intranet.test 127.0.0.1, MAP app.test 127.0.0.1',
  ];
}

// Cuts bodies above MAX_BODY_CHARS; returns how many were cut.
function trimBodies(har) {
  let cut = 0;
  for (const e of har.log.entries) {
    const c = e.response && e.response.content;
    if (c && typeof c.text === 'string' && c.text.length > MAX_BODY_CHARS) {
      c.text = c.text.slice(0, MAX_BODY_CHARS);
      c.comment = `text cut to ${MAX_BODY_CHARS} characters by record.mjs`;
      cut++;
    }
  }
  return cut;
}

// What Chrome DevTools' "Export HAR (sanitized)" does to each entry
// (devtools-frontend front_end/models/har/Log.ts, Entry.build with
// options.sanitize): request and response `cookies` become empty arrays,
// request headers named Authorization or Cookie and response headers named
// Set-Cookie (any case) are dropped. Nothing else is changed by Chrome, so
// nothing else is changed here. The creator becomes the one DevTools writes
// in both export modes ({name: 'WebInspector', version: AppleWebKit version}).
export function sanitize(har) {
  const out = structuredClone(har);
  const webkitVersion = webkitOf(har);
  const drop = (headers, names) =>
    (headers || []).filter((h) => !names.includes(String(h.name).toLowerCase()));
  for (const e of out.log.entries) {
    if (e.request) {
      e.request.cookies = [];
      e.request.headers = drop(e.request.headers, ['authorization', 'cookie']);
    }
    if (e.response) {
      e.response.cookies = [];
      e.response.headers = drop(e.response.headers, ['set-cookie']);
    }
  }
  const recordedBy = `${har.log.creator.name} ${har.log.creator.version}`;
  out.log.creator = { name: 'WebInspector', version: webkitVersion || 'n/a' };
  out.log.comment =
    'Sanitized by authscope scripts/capture/har/record.mjs imitating Chrome DevTools ' +
    `"Export HAR (sanitized)" (headless Chromium has no export button); recorded by ${recordedBy}.`;
  return out;
}

// The AppleWebKit version of the User-Agent the browser sent, as DevTools
// puts it in log.creator.version.
function webkitOf(har) {
  for (const e of har.log.entries) {
    for (const h of (e.request && e.request.headers) || []) {
      const m = String(h.name).toLowerCase() === 'user-agent' && /AppleWebKit\/([^ ]+)/.exec(h.value);
      if (m) return m[1];
    }
  }
  return null;
}

// Compact, one line: the indented form would double the fixture sizes.
function writeJson(path, value) {
  writeFileSync(path, JSON.stringify(value) + '\n');
}

async function record(name, port, outDir) {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  const profile = mkdtempSync(join(tmpdir(), 'authscope-chromium-'));
  const harPath = join(outDir, `${name}.har`);
  // A persistent context on a new, empty profile folder: Playwright passes it
  // to Chromium as --user-data-dir (it refuses that flag in `args`).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: launchArgs(),
    timeout: 30_000,
    recordHar: { path: harPath, mode: 'full', content: 'embed' },
    serviceWorkers: 'block',
  });
  let version = '';
  try {
    version = context.browser() ? context.browser().version() : 'unknown';
    // Any route turns on Playwright's request interception, and with it on,
    // Playwright aborts Chromium's /favicon.ico requests before they leave
    // the browser. It never reports them (so they are never in its HAR); this
    // keeps them off the wire too, so the pcap and the HAR hold the same
    // requests. Other requests are continued unchanged.
    await context.route('**/favicon.ico', (route) => route.abort());
    const page = context.pages()[0] || (await context.newPage());
    const base = (host) => `http://${host}:${port}`;
    await scenario({ context, page, base });
    await sleep(300);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const har = JSON.parse(readFileSync(harPath, 'utf8'));
  const unanswered = har.log.entries.filter((e) => !(e.response && e.response.status > 0));
  if (har.log.entries.length === 0 || unanswered.length > 0) {
    throw new Error(`${harPath}: ${har.log.entries.length} entries, ${unanswered.length} without a response`);
  }
  const cut = trimBodies(har);
  har.log.browser = { name: 'Chromium', version: version };
  writeJson(harPath, har);
  writeJson(join(outDir, `${name}.sanitized.har`), sanitize(har));
  console.error(
    `record-har:   ${har.log.entries.length} HAR entries, Chromium ${version}, ` +
      `${cut} bodies cut`,
  );
}

async function main(argv) {
  if (argv[0] === '--list') {
    console.log(Object.keys(SCENARIOS).join('\n'));
    return;
  }
  if (argv[0] === '--sanitize' && argv.length === 3) {
    const har = JSON.parse(readFileSync(argv[1], 'utf8'));
    writeJson(argv[2], sanitize(har));
    return;
  }
  if (argv.length !== 3) {
    throw new Error('usage: record.mjs SCENARIO PORT OUT_DIR | --list | --sanitize IN OUT');
  }
  await record(argv[0], Number(argv[1]), argv[2]);
}

const deadline = setTimeout(() => {
  console.error('record-har: error: scenario took longer than 120 s');
  process.exit(1);
}, 120_000);
main(process.argv.slice(2))
  .then(() => clearTimeout(deadline))
  .catch((e) => {
    console.error(`record-har: error: ${e.message}`);
    process.exit(1);
  });
