import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type PhotoProblem, PhotoRejected, photoLimits, processPhoto } from './photos.ts';

// Every test image is generated here with sharp; no binary fixtures. Image work is CPU-bound, hence the generous timeouts.

const SECRETS = ['SN-DEMOCRATOR-4242', 'DemoCam', 'SecretAuthor', 'SecretCaption', 'SecretPngText', '<script>'];
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SecretAuthor"/></rdf:RDF></x:xmpmeta>';
const EXIF = {
  IFD0: { Make: 'DemoCam', Model: 'X1' },
  IFD2: { BodySerialNumber: 'SN-DEMOCRATOR-4242' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2952/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 792/100' },
};

/** Number of entries in the GPS IFD of a raw EXIF block ("Exif\0\0" + TIFF), 0 when there is none. */
function gpsEntryCount(exif: Buffer): number {
  const tiff = exif.subarray(exif.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0);
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd0 = u32(4);
  for (let i = 0; i < u16(ifd0); i++) {
    const entry = ifd0 + 2 + i * 12;
    if (u16(entry) === 0x8825) return u16(u32(entry + 8));
  }
  return 0;
}

/** Inserts a Photoshop APP13 segment carrying an IPTC caption right after the JPEG SOI marker. */
function withIptc(jpeg: Buffer, caption: string): Buffer {
  const text = Buffer.from(caption, 'latin1');
  const iptc = Buffer.concat([Buffer.from([0x1c, 0x02, 0x78, text.length >> 8, text.length & 0xff]), text]);
  const padded = iptc.length % 2 ? Buffer.concat([iptc, Buffer.alloc(1)]) : iptc;
  const size = Buffer.alloc(4);
  size.writeUInt32BE(iptc.length);
  const body = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), Buffer.from('8BIM', 'latin1'), Buffer.from([0x04, 0x04, 0, 0]), size, padded]);
  const header = Buffer.from([0xff, 0xed, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

/** Inserts a tEXt chunk right after the PNG IHDR chunk. */
function withPngText(png: Buffer, keyword: string, text: string): Buffer {
  const data = Buffer.from(`${keyword}\0${text}`, 'latin1');
  const typeAndData = Buffer.concat([Buffer.from('tEXt', 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), length, typeAndData, crc, png.subarray(ihdrEnd)]);
}

/** Two solid halves (left red, right blue) so a rotation is visible in the pixels, not just the dimensions. */
function halves(width: number, height: number, channels: 3 | 4 = 3) {
  const red = { r: 220, g: 20, b: 20, alpha: 1 };
  const blue = { r: 20, g: 20, b: 220, alpha: 1 };
  return sharp({ create: { width, height, channels, background: blue } }).composite([
    { input: { create: { width: width / 2, height, channels, background: red } }, left: 0, top: 0 },
  ]);
}

async function pixel(image: Buffer, left: number, top: number): Promise<number[]> {
  const { data } = await sharp(image).extract({ left, top, width: 1, height: 1 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [...data];
}

const isRed = (p: number[]) => p[0]! > 150 && p[2]! < 100;
const isBlue = (p: number[]) => p[2]! > 150 && p[0]! < 100;

async function expectClean(image: Buffer): Promise<void> {
  const meta = await sharp(image).metadata();
  expect(meta.exif).toBeUndefined();
  expect(meta.xmp).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  expect(meta.comments).toBeUndefined();
  expect(meta.hasProfile).toBe(false);
  expect(meta.orientation).toBeUndefined();
  for (const secret of SECRETS) expect(image.includes(secret), secret).toBe(false);
}

async function rejection(input: Buffer): Promise<PhotoRejected> {
  const error = await processPhoto(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PhotoRejected);
  return error as PhotoRejected;
}

async function expectRejected(input: Buffer, problem: PhotoProblem): Promise<PhotoRejected> {
  const error = await rejection(input);
  expect(error.problem).toBe(problem);
  return error;
}

describe('photoLimits', () => {
  it('has the documented values', () => {
    expect(photoLimits).toEqual({
      maxBytes: 10 * 1024 * 1024,
      maxPixels: 50_000_000,
      maxPerProblem: 5,
      maxDimension: 2560,
      thumbnailWidth: 480,
      acceptedTypes: ['image/jpeg', 'image/png', 'image/webp'],
    });
  });
});

describe('processPhoto: JPEG with EXIF, GPS, XMP, IPTC and orientation 6', { timeout: 30_000 }, () => {
  it('rotates, strips every piece of metadata, fits maxDimension and makes a 480-wide thumbnail', async () => {
    // Stored landscape 4000×3000, left half red; orientation 6 means "rotate 90° clockwise to display".
    const encoded = await halves(4000, 3000).jpeg({ quality: 90 }).withExif(EXIF).withMetadata({ orientation: 6 }).withXmp(XMP).toBuffer();
    const input = Buffer.concat([withIptc(encoded, 'SecretCaption'), Buffer.from('<script>alert(1)</script>')]);

    // The input really carries what must disappear, so the assertions below can fail.
    const before = await sharp(input).metadata();
    expect(before.format).toBe('jpeg');
    expect([before.width, before.height, before.orientation]).toEqual([4000, 3000, 6]);
    expect(before.exif).toBeDefined();
    expect(gpsEntryCount(before.exif!)).toBeGreaterThanOrEqual(4);
    expect(before.xmp).toBeDefined();
    expect(before.iptc).toBeDefined();
    expect(before.hasProfile).toBe(true);
    for (const secret of SECRETS.filter((s) => s !== 'SecretPngText')) expect(input.includes(secret), secret).toBe(true);

    const photo = await processPhoto(input);

    expect(photo.contentType).toBe('image/jpeg');
    expect(photo.thumbnailContentType).toBe('image/jpeg');
    // Portrait 3000×4000 once oriented, scaled to fit 2560.
    expect([photo.width, photo.height]).toEqual([1920, 2560]);
    const meta = await sharp(photo.image).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1920, 2560]);
    await expectClean(photo.image);

    // Rotated clockwise: the stored left (red) half is now on top, the right (blue) half at the bottom.
    expect(isRed(await pixel(photo.image, 960, 200))).toBe(true);
    expect(isBlue(await pixel(photo.image, 960, 2360))).toBe(true);

    const thumb = await sharp(photo.thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['jpeg', 480, 640]);
    await expectClean(photo.thumbnail);
    expect(isRed(await pixel(photo.thumbnail, 240, 50))).toBe(true);
    expect(isBlue(await pixel(photo.thumbnail, 240, 590))).toBe(true);
  });

  it('never enlarges a small photo or its thumbnail', async () => {
    const input = await halves(300, 200).jpeg().withExif(EXIF).toBuffer();
    const photo = await processPhoto(input);
    expect([photo.width, photo.height]).toEqual([300, 200]);
    const thumb = await sharp(photo.thumbnail).metadata();
    expect([thumb.width, thumb.height]).toEqual([300, 200]);
    await expectClean(photo.image);
  });
});

describe('processPhoto: PNG and WebP round-trips', { timeout: 30_000 }, () => {
  it('re-encodes a PNG as PNG, keeps transparency, drops EXIF, XMP, ICC and text chunks', async () => {
    const encoded = await halves(3000, 1000, 4).png().withIccProfile('p3').withExif(EXIF).withXmp(XMP).toBuffer();
    const input = withPngText(encoded, 'Comment', 'SecretPngText');
    const before = await sharp(input).metadata();
    expect(before.format).toBe('png');
    expect(before.exif).toBeDefined();
    expect(before.xmp).toBeDefined();
    expect(before.comments).toEqual([{ keyword: 'Comment', text: 'SecretPngText' }]);
    expect(before.hasProfile).toBe(true);

    const photo = await processPhoto(input);
    expect(photo.contentType).toBe('image/png');
    expect(photo.thumbnailContentType).toBe('image/png');
    expect([photo.width, photo.height]).toEqual([2560, 853]);
    const meta = await sharp(photo.image).metadata();
    expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(['png', 2560, 853, true]);
    await expectClean(photo.image);
    expect(isRed(await pixel(photo.image, 100, 400))).toBe(true);
    expect(isBlue(await pixel(photo.image, 2400, 400))).toBe(true);

    const thumb = await sharp(photo.thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['png', 480, 160]);
    await expectClean(photo.thumbnail);
  });

  it('re-encodes a WebP as WebP and drops EXIF, XMP and ICC', async () => {
    const input = await halves(1200, 900, 4).webp().withIccProfile('p3').withExif(EXIF).withXmp(XMP).toBuffer();
    const before = await sharp(input).metadata();
    expect(before.format).toBe('webp');
    expect(before.exif).toBeDefined();
    expect(before.xmp).toBeDefined();
    expect(before.hasProfile).toBe(true);

    const photo = await processPhoto(input);
    expect(photo.contentType).toBe('image/webp');
    expect(photo.thumbnailContentType).toBe('image/webp');
    expect([photo.width, photo.height]).toEqual([1200, 900]);
    const meta = await sharp(photo.image).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1200, 900]);
    await expectClean(photo.image);

    const thumb = await sharp(photo.thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 480, 360]);
    await expectClean(photo.thumbnail);
  });
});

describe('processPhoto: rejections', { timeout: 30_000 }, () => {
  const solid = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6' } });

  it('rejects formats other than JPEG, PNG and WebP by their bytes (photoType)', async () => {
    const gif = await solid().gif().toBuffer();
    expect((await sharp(gif).metadata()).format).toBe('gif');
    await expectRejected(gif, 'photoType');

    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="red"/></svg>');
    expect((await sharp(svg).metadata()).format).toBe('svg');
    await expectRejected(svg, 'photoType');

    const avif = await solid().avif().toBuffer();
    expect((await sharp(avif).metadata()).format).toBe('heif');
    await expectRejected(avif, 'photoType');

    await expectRejected(Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n'), 'photoType');
    await expectRejected(Buffer.from('Just some text pretending to be a photo.jpg\n'), 'photoType');
    await expectRejected(Buffer.alloc(0), 'photoType');
  });

  it('rejects random bytes (photoType)', async () => {
    // Deterministic pseudo-random bytes (xorshift), so the test never depends on luck.
    let state = 0x2545f491;
    const random = Buffer.alloc(64 * 1024);
    for (let i = 0; i < random.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      random[i] = state & 0xff;
    }
    await expectRejected(random, 'photoType');
  });

  it('rejects a truncated JPEG and a PNG header followed by garbage (photoUnreadable)', async () => {
    const noisy = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    await expect(processPhoto(noisy)).resolves.toBeDefined();
    const truncated = noisy.subarray(0, Math.floor(noisy.length / 2));
    expect((await sharp(truncated).metadata()).format).toBe('jpeg');
    await expectRejected(truncated, 'photoUnreadable');

    const png = await solid().png().toBuffer();
    await expectRejected(Buffer.concat([png.subarray(0, 8), Buffer.from('this is not a PNG chunk stream at all, only garbage')]), 'photoUnreadable');
    // A valid IHDR whose image data is garbage.
    await expectRejected(Buffer.concat([png.subarray(0, 33), Buffer.alloc(200, 7)]), 'photoUnreadable');
  });

  it('rejects more than maxBytes before looking at the content (photoTooLarge)', async () => {
    // A valid JPEG padded after its end marker: decoders ignore the padding, so only the size can reject it.
    const jpeg = await solid().jpeg().toBuffer();
    const padded = (size: number) => Buffer.concat([jpeg, Buffer.alloc(size - jpeg.length)]);

    const atLimit = await processPhoto(padded(photoLimits.maxBytes));
    expect([atLimit.width, atLimit.height]).toEqual([64, 48]);

    const error = await expectRejected(padded(photoLimits.maxBytes + 1), 'photoTooLarge');
    expect(error.limits).toEqual({ maxBytes: photoLimits.maxBytes });
    // Garbage of the same size is refused for its size, not its type: the size check comes first.
    await expectRejected(Buffer.alloc(photoLimits.maxBytes + 1, 0x41), 'photoTooLarge');
  });

  it('rejects an image above maxPixels from its header (photoTooManyPixels)', async () => {
    // 8000×6400 = 51.2 million pixels of one colour: a few hundred KB at most, far under maxBytes.
    const bomb = await sharp({ create: { width: 8000, height: 6400, channels: 3, background: '#777' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(photoLimits.maxBytes);
    const header = await sharp(bomb, { limitInputPixels: false }).metadata();
    expect(header.width * header.height).toBeGreaterThan(photoLimits.maxPixels);

    const error = await expectRejected(bomb, 'photoTooManyPixels');
    expect(error.limits).toEqual({ maxPixels: photoLimits.maxPixels });
  });
});
