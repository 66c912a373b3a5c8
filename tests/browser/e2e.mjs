// End-to-end test of the web UI in a real headless Chromium.
//
// Serves a small RSS feed on 127.0.0.1 (one item with an XSS payload in its title), crawls it
// with `yuqing crawl`, adds a user, starts `yuqing serve`, then as that user in the browser:
// logs in, searches a Chinese substring and sees it highlighted, reviews an alert and sees its
// status change, opens the digest and downloads the XLSX, and checks that the payload shows as
// text and never runs. Screenshots go to target/screenshots/.
//
// Env: YUQING_BIN (default target/debug/yuqing), CHROMIUM (default /usr/bin/chromium).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.YUQING_BIN || path.join(root, 'target/debug/yuqing');
const shots = path.join(root, 'target/screenshots');
const PASSWORD = 'e2e-password-1';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

fs.mkdirSync(shots, { recursive: true });
let step = 0;
const failures = [];
let passes = 0;
function check(ok, what) {
  if (ok) passes += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// --- a feed on 127.0.0.1 --------------------------------------------------------------------
const body = '青石街道一仓库今天下午发生火灾，消防救援人员迅速到场处置，现场无人员伤亡，起火原因正在调查之中。' +
  '街道办事处提醒广大居民注意用电安全，不要私拉乱接电线，发现隐患及时报告社区网格员。';
const items = [
  // The title is text containing markup: escaped twice in XML, so it arrives as "<script>…".
  [`${XSS}青石街道仓库火灾`, 'a1', body],
  ['柳湾社区举办邻里节活动', 'a2', '柳湾社区今天举办邻里节活动，居民们带来了自家做的美食，现场气氛热烈，社区书记向大家介绍了今年的工作。'],
];
const pub = new Date(Date.now() - 3600e3).toUTCString();
const rss = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>青石发布</title>' +
  '<link>http://127.0.0.1/</link><description>e2e</description>' +
  items.map(([t, id, b]) => `<item><title>${esc(esc(t))}</title><link>http://127.0.0.1/${id}.html</link>` +
    `<guid>${id}</guid><pubDate>${pub}</pubDate><description>${esc(`<p>${b}</p>`)}</description></item>`).join('') +
  '</channel></rss>';
const feed = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
  res.end(rss);
});
await new Promise((r) => feed.listen(0, '127.0.0.1', r));
const feedUrl = `http://127.0.0.1:${feed.address().port}/feed.xml`;

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// --- configuration, crawl, user -------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yuqing-e2e-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const cfg = path.join(dir, 'yuqing.toml');
// data_dir is relative to the working directory: give an absolute one.
fs.writeFileSync(cfg, `timezone = "Asia/Shanghai"\ndata_dir = ${JSON.stringify(path.join(dir, 'index'))}\nsources = "sources.toml"\nrules = "rules.toml"\n` +
  `[http]\nper_host_delay = "0s"\nretries = 0\ntimeout = "5s"\n`);
fs.writeFileSync(path.join(dir, 'sources.toml'),
  `[[source]]\nid = "qs"\nname = "青石发布"\nkind = "rss"\nurl = "${feedUrl}"\nfull_text = "never"\n`);
fs.writeFileSync(path.join(dir, 'rules.toml'),
  '[[rule]]\nid = "fire"\nname = "火灾事故"\nlevel = "high"\nregion = ["青石街道"]\nevent = ["火灾"]\n');

// Asynchronous: the feed server above runs on this same event loop.
function run(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--config', cfg, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out)
      : reject(new Error(`yuqing ${args.join(' ')} failed (${code}): ${err}`))));
    child.stdin.end(input ?? '');
  });
}
console.log((await run(['crawl'])).trim());
await run(['user', 'add', 'collector1', '--role', 'collector'], `${PASSWORD}\n`);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serve = spawn(bin, ['--config', cfg, 'serve', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'inherit', 'inherit'] });
let browser;
try {
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/login`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (i > 100) throw new Error('yuqing serve did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  const cspErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') cspErrors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: path.join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

  // 1. Login is required: the search page sends us to /login.
  await page.goto(`${base}/`);
  check(page.url().startsWith(`${base}/login`), 'anonymous visit redirects to /login');
  await shot('login');
  await page.fill('input[name=name]', 'collector1');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check(page.url() === `${base}/`, 'login lands on the search page');
  check((await page.textContent('header')).includes('collector1'), 'header shows the user');

  // 2. Search a Chinese substring that jieba would not produce as a token.
  await page.fill('input[name=q]', '库今天下');
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  const ems = await page.$$eval('.snippet em', (e) => e.map((x) => x.textContent));
  check(ems.includes('库今天下'), `substring highlighted in the snippet (${JSON.stringify(ems)})`);
  check((await page.textContent('main')).includes('共 1 篇'), 'exact result count shown');
  await shot('search');

  // 3. The XSS title is text: visible as written, no element injected, no dialog.
  await page.fill('input[name=q]', '仓库火灾');
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  const title = await page.textContent('.hit h3 a');
  check(title.includes('<script>alert(1)</script>'), `payload shown as text in results (${title})`);
  check((await page.$$('.hit h3 script, .hit h3 img')).length === 0, 'no element injected in results');
  await page.click('.hit h3 a');
  await page.waitForLoadState('load');
  check((await page.textContent('h1')).includes('<img src=x onerror=alert(2)>'), 'payload shown as text on the article page');
  check((await page.$$('main h1 img, main h1 script')).length === 0, 'no element injected on the article page');
  await shot('article');

  // 4. Review the alert; the status changes and the audit trail records it.
  await page.goto(`${base}/alerts`);
  const status = () => page.getAttribute('.alert .badge[data-status]', 'data-status');
  check(await status() === 'new', 'alert starts as new');
  check((await page.textContent('.alert h3')).includes('<script>alert(1)</script>'), 'payload shown as text in the alert list');
  await page.fill('.alert form.review input[name=note]', '已电话核实');
  await Promise.all([page.waitForNavigation(), page.click('.alert form.review button[value=confirmed]')]);
  check(await status() === 'confirmed', 'status changes to confirmed');
  check((await page.textContent('.alert .badge[data-status]')).includes('已核实'), 'status label 已核实');
  await shot('alerts');
  await page.click('.alert a[href^="/alerts/"]');
  await page.waitForLoadState('load');
  const trail = await page.textContent('table');
  check(trail.includes('collector1') && trail.includes('已电话核实'), 'audit trail shows who and the note');

  // 5. The digest: framed, and the XLSX downloads.
  await page.goto(`${base}/digest`);
  check(/\/digest\/\d{4}-\d{2}-\d{2}$/.test(page.url()), 'digest redirects to the current date');
  const frame = page.frameLocator('iframe.doc');
  const frameText = await frame.locator('body').textContent();
  check(frameText.includes('仓库火灾'), 'digest shows the alert');
  await shot('digest');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="format=xlsx"]')]);
  const file = path.join(shots, 'digest.xlsx');
  await download.saveAs(file);
  const head = fs.readFileSync(file).subarray(0, 2).toString();
  check(head === 'PK' && download.suggestedFilename().endsWith('.xlsx'), `XLSX downloaded (${download.suggestedFilename()})`);

  // 6. Sources page and logout.
  await page.goto(`${base}/sources`);
  check((await page.textContent('table')).includes('青石发布'), 'sources page lists the source');
  await shot('sources');
  await Promise.all([page.waitForNavigation(), page.click('header form button')]);
  await page.goto(`${base}/alerts`);
  check(page.url().startsWith(`${base}/login`), 'after logout the pages need login again');

  check(dialogs.length === 0, `no script ran (dialogs: ${JSON.stringify(dialogs)})`);
  check(!cspErrors.some((e) => e.includes('Content Security Policy')), `no CSP violations (${cspErrors.join(' | ')})`);
} finally {
  if (browser) await browser.close();
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
  feed.close();
}

console.log(`\nscreenshots in ${shots}`);
// The plain closing line CI reads.
console.log(`browser: ${passes} passed, ${failures.length} failed`);
if (failures.length) {
  console.error(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
