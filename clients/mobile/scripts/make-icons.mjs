// Draws the app icons (PNG, no dependencies): a blue tile with a white atom — nucleus and three
// orbits. Run once: node scripts/make-icons.mjs (the PNGs are committed in public/icons).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

function draw(size, maskable) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const bg = [0x16, 0x77, 0xff];
  const r = size / 2;
  const corner = maskable ? 0 : size * 0.2;
  const scale = maskable ? 0.36 : 0.42; // maskable icons keep their content in the safe zone
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const o = y * (size * 4 + 1) + 1 + x * 4;
      // rounded tile
      const dx = Math.max(corner - x, 0, x - (size - 1 - corner));
      const dy = Math.max(corner - y, 0, y - (size - 1 - corner));
      const inside = corner === 0 || dx * dx + dy * dy <= corner * corner;
      if (!inside) {
        raw[o + 3] = 0;
        continue;
      }
      const px = (x + 0.5 - r) / (r * scale);
      const py = (y + 0.5 - r) / (r * scale);
      let white = Math.hypot(px, py) < 0.16; // nucleus
      for (const a of [0, Math.PI / 3, (2 * Math.PI) / 3]) {
        const u = px * Math.cos(a) + py * Math.sin(a);
        const v = -px * Math.sin(a) + py * Math.cos(a);
        const e = Math.hypot(u / 1.0, v / 0.38);
        if (Math.abs(e - 1) < 0.09) white = true;
      }
      const c = white ? [255, 255, 255] : bg;
      raw[o] = c[0];
      raw[o + 1] = c[1];
      raw[o + 2] = c[2];
      raw[o + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = new URL('../public/icons/', import.meta.url);
writeFileSync(new URL('icon-192.png', out), draw(192, false));
writeFileSync(new URL('icon-512.png', out), draw(512, false));
writeFileSync(new URL('maskable-512.png', out), draw(512, true));
console.log('icons written');
