// The manual's "create a delta configuration file" procedure (§2.2) and a
// manual firmware upgrade (§5.1), done the way an administrator does them:
// in a browser, by clicking through the phone's Web pages.
//
// Environment: PHONE_A and PHONE_B (base URLs of two phones), OUT_DIR
// (screenshots and downloads), FW_GOOD and FW_BAD (image files), FW_VERSION
// (the version FW_GOOD carries), HDPHONE_CHROMIUM and HDPHONE_CHROMIUM_FLAGS.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');
const assert = require('assert');

const env = (k) => {
  const v = process.env[k];
  if (!v) { throw new Error(k + ' is not set'); }
  return v;
};
const A = env('PHONE_A');
const B = env('PHONE_B');
const OUT = env('OUT_DIR');

const started = Date.now();
const at = () => ' (+' + (Date.now() - started) + ' ms)';
let shot = 0;
async function snap(page, name) {
  shot++;
  const file = path.join(OUT, String(shot).padStart(2, '0') + '-' + name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot ' + file + at());
}

async function login(page, base) {
  await page.goto(base + '/');
  assert.match(page.url(), /\/login/, 'the phone asks for a login first');
  await page.fill('#username', 'admin');
  await page.fill('#password', '1234');
  await Promise.all([page.waitForURL(/\/home$/), page.click('#login')]);
  assert.ok(await page.isVisible('#default-password-warning'), 'default-password banner shown');
}

// openConfigFile goes Management > Manual Update > Configuration File by
// clicking the menus.
async function openConfigFile(page) {
  await page.click('nav.tabs >> text=Management');
  await page.click('aside.menu >> text=Configuration File');
  await page.waitForSelector('#config-text');
}

async function download(page, selector, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const file = path.join(OUT, name);
  await dl.saveAs(file);
  console.log('download ' + file + ' (suggested ' + dl.suggestedFilename() + ')' + at());
  return fs.readFileSync(file, 'utf8');
}

async function waitFor(page, url, check, what) {
  for (let i = 0; i < 100; i++) {
    await page.goto(url);
    if (await check()) { return; }
    await page.waitForTimeout(100);
  }
  throw new Error('timed out waiting for ' + what);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: env('HDPHONE_CHROMIUM'),
    args: env('HDPHONE_CHROMIUM_FLAGS').split(' ').filter((f) => f !== '--headless'),
    headless: true,
  });
  try {
    // 1. Save phone A's default configuration.
    const ctxA = await browser.newContext({ acceptDownloads: true });
    const a = await ctxA.newPage();
    await login(a, A);
    await snap(a, 'a-home');
    await openConfigFile(a);
    await snap(a, 'a-configuration-file');
    const defaults = await download(a, '#save-config', 'default.cfg');
    assert.match(defaults, /^;UC_/, 'a saved file starts with the firmware line');
    assert.match(defaults, /\nvoip\/media\/media_port=4000\n/);

    // 2. Configure the phone: change a setting in the Configuration File page.
    const text = await a.inputValue('#config-text');
    await a.fill('#config-text', text.replace('voip/media/media_port=4000\n', 'voip/media/media_port=6010\n')
      .replace('system/syslog/mode=Local\n', 'system/syslog/mode=Network\n'));
    await a.click('#apply-config');
    await a.waitForSelector('#message');
    assert.match(await a.textContent('#message'), /2 settings changed/);
    await snap(a, 'a-changed');

    // 3. Save the newly configured settings.
    const configured = await download(a, '#save-config', 'configured.cfg');
    assert.match(configured, /\nvoip\/media\/media_port=6010\n/);

    // 4. The delta: tick "Display modified configuration fields only", save.
    await Promise.all([a.waitForURL(/modified=1/), a.check('#modified')]);
    await snap(a, 'a-modified-only');
    const delta = await download(a, '#save-config', 'delta.cfg');
    const lines = delta.split('\n').filter((l) => l && !l.startsWith(';') && !l.startsWith('system/type='));
    assert.deepStrictEqual(lines.sort(), ['system/syslog/mode=Network', 'voip/media/media_port=6010']);

    // 5. Load the delta file on phone B.
    const ctxB = await browser.newContext();
    const b = await ctxB.newPage();
    await login(b, B);
    const bootBefore = await b.textContent('#boot-count');
    await openConfigFile(b);
    await b.click('#load-config-link');
    await b.setInputFiles('#config-file', path.join(OUT, 'delta.cfg'));
    await snap(b, 'b-load-form');
    await b.click('#submit');
    await b.waitForSelector('#message');
    assert.match(await b.textContent('#message'), /The phone is restarting/);
    await snap(b, 'b-loaded');
    // The phone restarts with the change.
    await waitFor(b, B + '/home', async () => (await b.textContent('#boot-count')) !== bootBefore &&
      (await b.textContent('#stage')).startsWith('idle'), 'phone B to restart');
    await openConfigFile(b);
    assert.match(await b.inputValue('#config-text'), /\nvoip\/media\/media_port=6010\n/);
    assert.match(await b.inputValue('#config-text'), /\nsystem\/syslog\/mode=Network\n/);
    await snap(b, 'b-after-restart');

    // 6. Manual firmware upgrade on phone A, then a corrupted image.
    await a.click('nav.tabs >> text=Management');
    await a.click('aside.menu >> text=Manual firmware upgrade');
    await a.setInputFiles('#firmware-file', env('FW_GOOD'));
    await a.click('#submit');
    await a.waitForSelector('#message', { timeout: 20000 });
    assert.match(await a.textContent('#message'), new RegExp('Firmware ' + env('FW_VERSION') + ' verified'));
    await snap(a, 'a-firmware-upgraded');
    await waitFor(a, A + '/home', async () => (await a.textContent('#firmware-version')) === env('FW_VERSION') &&
      (await a.textContent('#stage')).startsWith('idle'), 'phone A to run the new firmware');
    await snap(a, 'a-new-firmware');
    await a.goto(A + '/management/manual-update/firmware-upgrade');
    await a.setInputFiles('#firmware-file', env('FW_BAD'));
    await a.click('#submit');
    await a.waitForSelector('#error', { timeout: 20000 });
    assert.match(await a.textContent('#error'), /was refused; nothing was burnt/);
    await snap(a, 'a-corrupt-refused');
    // 7. The live faceplate shows the screen (here the boot status, as no
    // screen application is wired in) and is refreshed by its script.
    await a.goto(A + '/faceplate');
    await a.waitForFunction(() => document.getElementById('screen').textContent.includes('idle'));
    assert.match(await a.textContent('#screen'), new RegExp('450HD  ' + env('FW_VERSION')));
    await snap(a, 'a-faceplate');
    console.log('procedure done');
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
