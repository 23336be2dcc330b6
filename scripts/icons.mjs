#!/usr/bin/env node
// Renders build/icon.svg into the PNG, ICNS and ICO files electron-builder packs, using the
// machine's Chromium (playwright-core, no download). Run by hand after changing the SVG; the
// outputs are committed, so packaging needs no renderer.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const svg = await readFile(join(root, 'build/icon.svg'), 'utf8');
const SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];

const profile = await mkdtemp(join(tmpdir(), 'icons-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const png = {};
try {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  for (const size of SIZES) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `)}</body></html>`);
    png[size] = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  }
} finally {
  await ctx.close();
  await rm(profile, { recursive: true, force: true });
}

await mkdir(join(root, 'build/icons'), { recursive: true });
for (const size of SIZES) await writeFile(join(root, `build/icons/${size}x${size}.png`), png[size]);
await writeFile(join(root, 'build/icon.png'), png[1024]);

// ICNS: 'icns' + total length, then entries of (type, length, PNG data).
const icnsTypes = { 16: 'icp4', 32: 'icp5', 64: 'icp6', 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' };
const entries = Object.entries(icnsTypes).map(([size, type]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'ascii');
  head.writeUInt32BE(png[size].length + 8, 4);
  return Buffer.concat([head, png[size]]);
});
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'ascii');
icnsHead.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4);
await writeFile(join(root, 'build/icon.icns'), Buffer.concat([icnsHead, ...entries]));

// ICO: PNG-compressed entries (Windows Vista and later), 256 is written as 0.
const icoSizes = [16, 32, 48, 64, 128, 256];
const dir = Buffer.alloc(6 + 16 * icoSizes.length);
dir.writeUInt16LE(0, 0);
dir.writeUInt16LE(1, 2);
dir.writeUInt16LE(icoSizes.length, 4);
let offset = dir.length;
icoSizes.forEach((size, i) => {
  const at = 6 + 16 * i;
  dir.writeUInt8(size === 256 ? 0 : size, at);
  dir.writeUInt8(size === 256 ? 0 : size, at + 1);
  dir.writeUInt16LE(1, at + 4);
  dir.writeUInt16LE(32, at + 6);
  dir.writeUInt32LE(png[size].length, at + 8);
  dir.writeUInt32LE(offset, at + 12);
  offset += png[size].length;
});
await writeFile(join(root, 'build/icon.ico'), Buffer.concat([dir, ...icoSizes.map((s) => png[s])]));
console.log(`icons: ${SIZES.join(', ')} px → build/icon.png, build/icons/, build/icon.icns, build/icon.ico`);
