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
// Scenarios named h2_* run over HTTPS with HTTP/2 against nginx (self-signed
// certificate, ignored by the browser) in front of tools/authserver.py; their
// PORT is nginx's TLS port and there is no pcap.
// Every step has a time limit; credentials are made-up fixtures.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const AUTHSERVER = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/authserver.py');

// A JWT signed with the fixture key; expInSeconds < 0: already expired.
function mintJwt(expInSeconds) {
  const args = [AUTHSERVER, 'mint-jwt', '--exp-in', String(expInSeconds)];
  return execFileSync('python3', args, { timeout: STEP_MS }).toString().trim();
}

const isTls = (name) => name.startsWith('h2_');

// Entries a scenario may leave without a response (status 0 in the HAR):
// requests the browser itself blocked on purpose.
const MAY_FAIL = { h2_bearer_cors_preflight: 1 };

// Submits the /secure/ login form as a user would, `times` times, waiting
// each time until the browser is back on the login form.
async function loginLoop(page, times) {
  for (let i = 0; i < times; i++) {
    await page.fill('input[name=user]', 'alice', { timeout: STEP_MS });
    await page.fill('input[name=password]', 'correct-horse', { timeout: STEP_MS });
    await Promise.all([
      page.waitForURL(/\/secure\/login/, { timeout: STEP_MS, waitUntil: 'load' }),
      page.click('button', { timeout: STEP_MS }),
    ]);
    await sleep(200);
  }
}

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
  async basic_wrong_then_right({ page, base, path }) {
    const url = base('intranet.test') + (path || '/basic/reports');
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
    await loginLoop(page, 4);
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

  // HTTPS + HTTP/2 (nginx). nginx's own Basic auth on /reports/: anonymous,
  // alice with a wrong password twice, then the right one, set as a header as
  // in basic_wrong_then_right.
  async h2_basic_wrong_then_right(ctx) {
    await SCENARIOS.basic_wrong_then_right({ ...ctx, path: '/reports/' });
  },

  // HTTPS + HTTP/2. The Secure session cookie IS kept (https), and sent back,
  // but nginx balances /secure/ round robin over two authservers that do not
  // share sessions: the session made by one is unknown to the other, so the
  // browser is sent back to the login form after every sign-in (4 times). A
  // second cookie (theme, set before the visit) rides along on every request.
  async h2_login_loop_unshared_sessions({ context, page, base }) {
    await context.addCookies([
      { name: 'theme', value: 'dark', url: base('app.test') + '/', secure: true },
    ]);
    await page.goto(base('app.test') + '/secure/', { timeout: STEP_MS });
    await loginLoop(page, 4);
  },

  // HTTPS + HTTP/2. The page's script calls a same-origin API with a valid
  // Bearer token (200), then with an expired one (401 invalid_token), then a
  // cross-origin API (api.test) with the valid token: the Authorization
  // header makes Chromium send a CORS preflight first, which the server
  // answers 401, so Chromium blocks the call (status 0 in the HAR).
  async h2_bearer_cors_preflight({ page, base }) {
    await page.goto(base('app.test') + '/new', { timeout: STEP_MS });
    const tokens = { valid: mintJwt(3600), expired: mintJwt(-600) };
    const apiUrl = base('api.test') + '/cors/items';
    const out = await page.evaluate(
      async ({ tokens, apiUrl }) => {
        const call = async (url, token) => {
          try {
            const opts = { cache: 'no-store', headers: { Authorization: `Bearer ${token}` } };
            const r = await fetch(url, opts);
            await r.text();
            return String(r.status);
          } catch (e) {
            return `blocked (${e.name})`;
          }
        };
        return [
          await call('/bearer/items', tokens.valid),
          await call('/bearer/items', tokens.expired),
          await call(apiUrl, tokens.valid),
        ];
      },
      { tokens, apiUrl },
    );
    console.error(`record-har:   fetch results ${out.join(', ')}`);
  },

  // HTTPS + HTTP/2: the 429 burst of rate_limit_429.
  async h2_rate_limit_429(ctx) {
    await SCENARIOS.rate_limit_429(ctx);
  },

  // HTTPS + HTTP/2, nothing wrong: /old (301 to /new), then the page's script
  // loads the stylesheet (200 with an ETag) and revalidates it with
  // If-None-Match (304).
  async h2_healthy_redirect_304({ page, base }) {
    await page.goto(base('intranet.test') + '/old', { timeout: STEP_MS });
    const statuses = await page.evaluate(async () => {
      const out = [];
      for (const headers of [{}, { 'If-None-Match': '"style-v1"' }]) {
        const r = await fetch('/static/style.css', { cache: 'no-store', headers });
        await r.text();
        out.push(r.status);
      }
      return out;
    });
    console.error(`record-har:   fetch statuses ${statuses.join(' ')}`);
  },
};

// Playwright's recorder leaves CORS preflights out (it does not report them
// as requests), while DevTools lists them as entries of their own
// (`_resourceType: "preflight"`). For the h2_* sessions they are taken from
// Chromium's own DevTools-protocol events on the page (Network domain) and
// written as DevTools does; `preflightEntries()` returns them once the
// session is over. Nothing is invented: every value comes from an event.
async function watchPreflights(context, page) {
  const cdp = await context.newCDPSession(page);
  const seen = new Map();
  const slot = (id) => {
    if (!seen.has(id)) seen.set(id, {});
    return seen.get(id);
  };
  cdp.on('Network.requestWillBeSent', (p) => {
    if (p.initiator && p.initiator.type === 'preflight') slot(p.requestId).sent = p;
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (p) => (slot(p.requestId).sentExtra = p));
  cdp.on('Network.responseReceived', (p) => (slot(p.requestId).received = p));
  cdp.on('Network.responseReceivedExtraInfo', (p) => (slot(p.requestId).receivedExtra = p));
  await cdp.send('Network.enable');
  return () => [...seen.values()].filter((r) => r.sent && r.received).map(preflightEntry);
}

const headerList = (obj) =>
  Object.entries(obj || {}).flatMap(([name, v]) =>
    String(v).split('\n').map((value) => ({ name, value })),
  );

// DevTools' HAR timings (front_end/models/har/Log.ts) from the response's
// ResourceTiming, in milliseconds; -1 where a phase did not happen.
function harTimings(t) {
  const span = (a, b) => (t[a] >= 0 && t[b] >= 0 ? t[b] - t[a] : -1);
  const firstStart = [t.dnsStart, t.connectStart, t.sendStart].find((v) => v >= 0);
  return {
    blocked: firstStart === undefined ? -1 : firstStart,
    dns: span('dnsStart', 'dnsEnd'),
    connect: span('connectStart', 'connectEnd'),
    ssl: span('sslStart', 'sslEnd'),
    send: span('sendStart', 'sendEnd'),
    wait: span('sendEnd', 'receiveHeadersEnd'),
    receive: 0,
  };
}

function preflightEntry({ sent, sentExtra, received, receivedExtra }) {
  const res = received.response;
  const version = { h2: 'http/2.0', h3: 'http/3.0' }[res.protocol] || 'HTTP/1.1';
  const timings = harTimings(res.timing || {});
  // HAR 1.2: `time` sums the phases, `ssl` already being part of `connect`.
  const time = Object.entries(timings)
    .filter(([k]) => k !== 'ssl')
    .reduce((a, [, v]) => a + Math.max(v, 0), 0);
  return {
    _initiator: sent.initiator,
    _priority: sent.request.initialPriority,
    _resourceType: 'preflight',
    cache: {},
    connection: String(res.connectionId),
    request: {
      method: sent.request.method,
      url: sent.request.url,
      httpVersion: version,
      headers: headerList((sentExtra || sent.request).headers),
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: (receivedExtra && receivedExtra.statusCode) || res.status,
      statusText: res.statusText || '',
      httpVersion: version,
      headers: headerList((receivedExtra || res).headers),
      cookies: [],
      content: { size: 0, mimeType: res.mimeType || 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
      _transferSize: res.encodedDataLength,
      _error: null,
    },
    serverIPAddress: res.remoteIPAddress,
    startedDateTime: new Date(sent.wallTime * 1000).toISOString(),
    time,
    timings,
    comment: 'CORS preflight, from Chromium DevTools-protocol events (record.mjs)',
  };
}

// Adds the preflight entries in time order (the sort is stable).
function addEntries(har, extra) {
  if (extra.length === 0) return;
  const pageref = har.log.entries.length > 0 ? har.log.entries[0].pageref : undefined;
  for (const e of extra) if (pageref) e.pageref = pageref;
  har.log.entries = [...har.log.entries, ...extra].sort(
    (a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime),
  );
}

function launchArgs(tls) {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP intranet.test 127.0.0.1, MAP app.test 127.0.0.1, ' +
      'MAP api.test 127.0.0.1',
  ];
  // The h2_* server's certificate is self-signed, made at recording time.
  return tls ? [...args, '--ignore-certificate-errors'] : args;
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
    args: launchArgs(isTls(name)),
    ignoreHTTPSErrors: isTls(name),
    timeout: 30_000,
    recordHar: { path: harPath, mode: 'full', content: 'embed' },
    serviceWorkers: 'block',
  });
  let version = '';
  let preflightEntries = () => [];
  let preflights = [];
  try {
    version = context.browser() ? context.browser().version() : 'unknown';
    // Any route turns on Playwright's request interception, and with it on,
    // Playwright aborts Chromium's /favicon.ico requests before they leave
    // the browser. It never reports them (so they are never in its HAR); this
    // keeps them off the wire too, so the pcap and the HAR hold the same
    // requests. Other requests are continued unchanged.
    // The h2_* sessions have no pcap to match, so no route there: without
    // interception Chromium's cache stays on, as in a user's browser.
    if (!isTls(name)) await context.route('**/favicon.ico', (route) => route.abort());
    const page = context.pages()[0] || (await context.newPage());
    if (isTls(name)) preflightEntries = await watchPreflights(context, page);
    const base = (host) => `${isTls(name) ? 'https' : 'http'}://${host}:${port}`;
    await scenario({ context, page, base });
    await sleep(300);
    preflights = preflightEntries();
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const har = JSON.parse(readFileSync(harPath, 'utf8'));
  addEntries(har, preflights);
  const unanswered = har.log.entries.filter((e) => !(e.response && e.response.status > 0));
  if (har.log.entries.length === 0 || unanswered.length > (MAY_FAIL[name] || 0)) {
    throw new Error(`${harPath}: ${har.log.entries.length} entries, ${unanswered.length} without a response`);
  }
  const cut = trimBodies(har);
  har.log.browser = { name: 'Chromium', version: version };
  writeJson(harPath, har);
  writeJson(join(outDir, `${name}.sanitized.har`), sanitize(har));
  console.error(
    `record-har:   ${har.log.entries.length} HAR entries (${preflights.length} preflights), ` +
      `Chromium ${version}, ${cut} bodies cut`,
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
