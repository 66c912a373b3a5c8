// End-to-end test of the web UI in a real headless Chromium.
//
// Serves a small RSS feed on 127.0.0.1 (one item with an XSS payload in its title), crawls it
// with `yuqing crawl`, adds a user, starts `yuqing serve`, then as that user in the browser:
// logs in, searches a Chinese substring and sees it highlighted, reviews an alert and sees its
// status change in place, reviews five more by keyboard (j/k/1/2/3), opens the digest and
// downloads the XLSX, follows a bar of the overview to its list, hands an alert to a partner
// unit and downloads its 专报 — the unit then logs in and closes it — opens a saved search
// (专题) with new matches and exports it, and checks
// that the payload shows as text and never runs. Then the main pages again at phone width
// (390×844): no sideways scrolling, a full-width search box. Screenshots at both widths go to
// target/screenshots/.
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
  // Five more incidents for the keyboard review, each its own story (no reprints).
  ['青石街道电动车充电棚火灾', 'b1', '青石街道柳湾小区电动车充电棚昨夜发生火灾，三辆电动车烧毁，物业已联系消防部门排查线路老化问题。'],
  ['青石街道餐馆后厨起火', 'b2', '青石街道一家餐馆后厨油锅起火引发火灾，店员用灭火毯扑灭，市场监管所随后检查了燃气软管。'],
  ['青石街道老旧小区楼道火灾隐患', 'b3', '居民反映青石街道某老旧小区楼道堆放杂物，存在火灾隐患，社区网格员已上门劝导清理。'],
  ['青石街道仓储点夜间火灾通报', 'b4', '青石街道应急办通报：辖区一处仓储点夜间发生小型火灾，过火面积约十平方米，无人员受伤。'],
  ['青石街道开展冬季防火检查', 'b5', '为防范冬季火灾，青石街道联合派出所对沿街商铺开展防火检查，发现并整改隐患十二处。'],
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
// Partner units (联席单位), found next to the configuration.
fs.writeFileSync(path.join(dir, 'units.toml'),
  '[[unit]]\nid = "xf"\nname = "消防救援站"\ndefault_due = "48h"\n\n[[unit]]\nid = "pcs"\nname = "青石派出所"\n');

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
// The first user must be an admin; then the collector who walks through the morning.
await run(['user', 'add', 'admin1', '--role', 'admin'], `${PASSWORD}-admin\n`);
await run(['user', 'add', 'collector1', '--role', 'collector'], `${PASSWORD}\n`);
// The fire station's own account: it sees only what is handed to it.
await run(['user', 'add', 'xf1', '--role', 'unit', '--unit', 'xf'], `${PASSWORD}-unit\n`);
// A shared saved search (专题): collector1 has never opened it, so every match is new to them.
await run(['saved', 'add', '辖区火灾', '火灾 -防火', '--source', 'qs']);

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
  const context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  const cspErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') cspErrors.push(m.text()); });
  const shot = (name, p = page) => p.screenshot({ path: path.join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

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
  check(/单个汉字也可以/.test(await page.textContent('.help')), 'the search hint agrees with the README: single characters work');
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

  // 4. Review the alert in place; the status changes and the audit trail records it.
  await page.goto(`${base}/alerts`);
  const xss = page.locator('.card.alert', { hasText: '仓库火灾' }).first();
  const status = () => xss.locator('.badge[data-status]').getAttribute('data-status');
  check(await status() === 'new', 'alert starts as new');
  check((await xss.locator('h3').textContent()).includes('<script>alert(1)</script>'), 'payload shown as text in the alert list');
  await xss.locator('form.review input[name=note]').fill('已电话核实');
  const confirm = xss.locator('form.review button[value=confirmed]');
  await confirm.scrollIntoViewIfNeeded();
  const y0 = await page.evaluate(() => window.scrollY);
  await confirm.click();
  await page.waitForFunction(() => document.querySelector('#toast:not([hidden])'));
  check(await status() === 'confirmed', 'status changes to confirmed, in place');
  check((await xss.locator('.badge[data-status]').textContent()).includes('已核实'), 'status label 已核实');
  check((await page.textContent('#toast')).includes('已核实'), 'a success notice is shown');
  check(page.url() === `${base}/alerts` && await page.evaluate(() => window.scrollY) === y0, 'the page stays where it was');
  await shot('alerts');

  // 4b. Bulk with nothing ticked: an inline message, no 400 page.
  await page.selectOption('#bulk select[name=status]', 'reported');
  await page.click('#bulk button[type=submit]');
  check(await page.isVisible('#inline-notice') && (await page.textContent('#inline-notice')).includes('请先勾选'), 'empty bulk action: inline message');
  check(page.url() === `${base}/alerts`, 'and no navigation');

  // 4c. Five alerts by keyboard: j moves, 1/2/3 review and move on.
  await page.goto(`${base}/alerts?status=new`);
  const queue = await page.$$eval('.card.alert', (c) => c.map((x) => x.id.replace('alert-', '')));
  check(queue.length >= 5, `five new alerts to review (${queue.length})`);
  await page.keyboard.press('j');
  check(await page.$eval('.card.alert.focus', (c) => c.id) === `alert-${queue[0]}`, 'j focuses the first alert');
  for (const k of ['1', '2', '3', '1', '2']) {
    const before = await page.$eval('.card.alert.focus', (c) => c.id);
    await page.keyboard.press(k);
    await page.waitForFunction((id) => document.querySelector(`#${id} .badge[data-status]`).getAttribute('data-status') !== 'new', before);
  }
  await page.keyboard.press('?');
  check(await page.isVisible('#keys-help'), '? shows the keys');
  await shot('alerts-keyboard');
  await page.keyboard.press('Escape');
  const reviewed = await page.evaluate(async () => (await fetch('/api/alerts')).json());
  const byId = Object.fromEntries(reviewed.alerts.map((a) => [String(a.id), a.status]));
  const want = ['confirmed', 'reported', 'dismissed', 'confirmed', 'reported'];
  check(queue.slice(0, 5).every((id, i) => byId[id] === want[i]), `five alerts reviewed by keyboard (${queue.slice(0, 5).map((id) => byId[id]).join(',')})`);
  await page.keyboard.press('/');
  await page.waitForURL(`${base}/`);
  check(await page.evaluate(() => document.activeElement && document.activeElement.name === 'q'), '/ goes to the search box');

  await page.goto(`${base}/alerts`);
  await page.locator('.card.alert', { hasText: '仓库火灾' }).first().locator('a[href^="/alerts/"]').click();
  await page.waitForLoadState('load');
  const trail = await page.textContent('table');
  check(trail.includes('collector1') && trail.includes('已电话核实'), 'audit trail shows who and the note');

  // 5. The digest: inline, marked open, no later day; the XLSX downloads.
  await page.goto(`${base}/digest`);
  check(/\/digest\/\d{4}-\d{2}-\d{2}$/.test(page.url()), 'digest redirects to the current date');
  const docText = await page.textContent('.card.doc');
  check(docText.includes('仓库火灾'), 'digest shows the alert');
  check(docText.includes('另有 1 条预警已标记为忽略'), 'the dismissed alert is counted, not listed');
  check((await page.textContent('h1')).includes('未截止'), 'the open window is marked 未截止');
  check(!(await page.textContent('main')).includes('后一天'), 'no future window offered');
  await shot('digest');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="format=xlsx"]')]);
  const file = path.join(shots, 'digest.xlsx');
  await download.saveAs(file);
  const head = fs.readFileSync(file).subarray(0, 2).toString();
  check(head === 'PK' && download.suggestedFilename().endsWith('.xlsx'), `XLSX downloaded (${download.suggestedFilename()})`);

  // 5a. The overview: charts drawn inline as SVG, no chart script.
  await page.goto(`${base}/overview`);
  check((await page.$$('svg.chart')).length === 2, 'the overview draws two charts inline');
  check((await page.textContent('.stats')).includes('条预警'), 'the overview counts alerts');
  await shot('overview');
  // Every bar is a link to the list it counts: today's high alerts.
  const bar = page.locator('svg.chart a[href*="level=high"]').first();
  const barHref = await bar.getAttribute('href');
  await Promise.all([page.waitForNavigation(), bar.click()]);
  check(page.url().endsWith(barHref) && /level=high/.test(page.url()), `a chart bar opens its list (${barHref})`);
  check((await page.$$('.card.alert')).length >= 1 && (await page.textContent('main')).includes('火灾'), 'the list behind the bar shows the alerts it counts');

  // 5a'. 交办: hand the warehouse fire to the fire station, download its 专报 (Word).
  await page.goto(`${base}/alerts`);
  await page.locator('.card.alert', { hasText: '仓库火灾' }).first().locator('a[href^="/alerts/"]').click();
  await page.waitForLoadState('load');
  const alertUrl = page.url();
  await page.selectOption('select[name=unit]', 'xf');
  await page.fill('#handling input[name=note]', '请核实起火原因并反馈');
  await Promise.all([page.waitForNavigation(), page.click('#handling button:has-text("交办")')]);
  const handed = await page.textContent('#handling');
  check(handed.includes('已交办') && handed.includes('消防救援站') && handed.includes('请核实起火原因'), 'the alert is handed to the fire station, with its instruction');
  await shot('handed-over');
  const [rdl] = await Promise.all([page.waitForEvent('download'), page.click('#handling a[href$="format=docx"]')]);
  const rfile = path.join(shots, 'incident.docx');
  await rdl.saveAs(rfile);
  check(fs.readFileSync(rfile).subarray(0, 2).toString() === 'PK' && rdl.suggestedFilename().endsWith('.docx'), `the 舆情专报 downloads as Word (${rdl.suggestedFilename()})`);

  // 5a''. The fire station logs in: only its item, answered and closed from its own page.
  const unitCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const up = await unitCtx.newPage();
  up.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await up.goto(`${base}/login`);
  await up.fill('input[name=name]', 'xf1');
  await up.fill('input[name=password]', `${PASSWORD}-unit`);
  await Promise.all([up.waitForNavigation(), up.click('button[type=submit]')]);
  check(up.url() === `${base}/handling`, `a unit account lands on its 交办事项 (${up.url()})`);
  check(!(await up.textContent('header')).includes('检索'), 'no search or other tabs for a unit account');
  check((await up.$$('main li a[href^="/alerts/"]')).length === 1, 'it lists the one item handed to it');
  await up.click('main li a[href^="/alerts/"]');
  await up.waitForLoadState('load');
  await up.fill('#handling input[name=note]', '已查明为电线老化，已整改');
  await up.check('#handling input[name=done]');
  await Promise.all([up.waitForNavigation(), up.click('#handling button:has-text("提交反馈")')]);
  const closed = await up.textContent('#handling');
  check(closed.includes('已办结') && closed.includes('电线老化') && closed.includes('xf1'), 'the unit closes it with its feedback, recorded under its name');
  await shot('unit-done', up);
  await up.goto(`${base}/`);
  check(up.url() === `${base}/handling`, 'other pages lead a unit account back to its list');
  await unitCtx.close();
  await page.goto(alertUrl);
  check((await page.textContent('#handling')).includes('已办结'), 'the collector sees it done');

  // 5b. The saved search (专题): new matches, its page, its export.
  await page.goto(`${base}/saved`);
  const badge = await page.textContent('.saved-item .badge.new');
  check(/新 \d+/.test(badge), `the 专题 list shows new matches (${badge})`);
  await shot('saved');
  await page.click('.saved-item h3 a');
  await page.waitForLoadState('load');
  const newHits = await page.$$('.card.hit.new');
  check(newHits.length >= 5, `new matches are marked (${newHits.length})`);
  check(!(await page.textContent('main')).includes('防火检查'), 'the saved query holds (-防火)');
  await shot('saved-view');
  const [sdl] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/export.xlsx"]')]);
  const sfile = path.join(shots, 'saved.xlsx');
  await sdl.saveAs(sfile);
  check(fs.readFileSync(sfile).subarray(0, 2).toString() === 'PK', `saved search exported (${sdl.suggestedFilename()})`);
  await page.goto(`${base}/saved`);
  check((await page.$$('.saved-item .badge.new')).length === 0, 'opened: nothing new any more');

  // 5c. Phone width: the main pages fit, the search box takes the width.
  const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.addCookies(await context.cookies());
  const pp = await phone.newPage();
  for (const [name, url] of [['overview', '/overview'], ['event', '/events'], ['search', '/?q=%E7%81%AB%E7%81%BE'], ['alerts', '/alerts'], ['digest', '/digest'], ['saved', '/saved'], ['sources', '/sources']]) {
    await pp.goto(`${base}${url}`);
    const overflow = await pp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `${name} at 390 px: no sideways scrolling (${overflow} px)`);
    if (name === 'search') {
      const w = await pp.$eval('input.q', (e) => e.getBoundingClientRect().width);
      check(w >= 330, `search box takes the width at 390 px (${Math.round(w)} px)`);
    }
    await shot(`phone-${name}`, pp);
  }
  await phone.close();

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
