/**
 * Photo intake for problems: every uploaded photo is treated as hostile. The real type is read
 * from the bytes (never from a declared MIME type or file name), the size and pixel count are
 * bounded before any full decode, and the result is a fresh encoding: orientation applied,
 * every piece of metadata (EXIF with GPS and camera serial, XMP, IPTC, ICC, PNG text, trailing
 * bytes after the image) dropped, resized to fit, plus a thumbnail in the same format.
 */
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';

export const photoLimits: {
  maxBytes: number;
  maxPixels: number;
  maxPerProblem: number;
  maxDimension: number;
  thumbnailWidth: number;
  acceptedTypes: readonly string[];
} = Object.freeze({
  /** Upload size, checked before anything is decoded. */
  maxBytes: 10 * 1024 * 1024,
  /** Width × height from the header: a decompression-bomb guard, checked before the pixels are decoded. */
  maxPixels: 50_000_000,
  maxPerProblem: 5,
  /** The longest side of the stored image; smaller images are never enlarged. */
  maxDimension: 2560,
  thumbnailWidth: 480,
  acceptedTypes: Object.freeze(['image/jpeg', 'image/png', 'image/webp'] as const),
});

export type PhotoProblem = 'photoType' | 'photoTooLarge' | 'photoUnreadable' | 'photoTooManyPixels';

/** A photo the platform will not store; `problem` is the message key, `limits` its parameters. */
export class PhotoRejected extends Error {
  constructor(
    readonly problem: PhotoProblem,
    readonly limits?: Record<string, number>,
    options?: { cause?: unknown },
  ) {
    super(problem, options);
    this.name = 'PhotoRejected';
  }
}

export type PhotoContentType = 'image/jpeg' | 'image/webp' | 'image/png';

export interface ProcessedPhoto {
  image: Buffer;
  contentType: PhotoContentType;
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailContentType: PhotoContentType;
}

type PhotoFormat = 'jpeg' | 'png' | 'webp';

const contentTypes: Record<PhotoFormat, PhotoContentType> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Magic numbers: the only formats we accept, recognised before sharp (and its SVG/PDF/HEIF loaders) sees the bytes. */
function sniffFormat(input: Buffer): PhotoFormat | undefined {
  if (input.length >= 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (input.length >= 8 && input.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (input.length >= 12 && input.toString('latin1', 0, 4) === 'RIFF' && input.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

const JPEG_QUALITY = 82;
const WEBP_QUALITY = 82;
const hasMozjpeg = Boolean(sharp.versions.mozjpeg);

function encode(pipeline: Sharp, format: PhotoFormat): Sharp {
  // No keepMetadata()/withMetadata()/keepIccProfile(): sharp then strips EXIF, XMP, IPTC, ICC and PNG text, converting to sRGB.
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: JPEG_QUALITY, mozjpeg: hasMozjpeg });
    case 'png':
      return pipeline.png();
    case 'webp':
      return pipeline.webp({ quality: WEBP_QUALITY });
  }
}

function isPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /pixel limit/i.test(error.message);
}

function rejectionFor(error: unknown): PhotoRejected {
  if (error instanceof PhotoRejected) return error;
  if (isPixelLimitError(error)) return new PhotoRejected('photoTooManyPixels', { maxPixels: photoLimits.maxPixels }, { cause: error });
  return new PhotoRejected('photoUnreadable', undefined, { cause: error });
}

/**
 * Validates and re-encodes one uploaded photo. Throws PhotoRejected with:
 * photoTooLarge (over maxBytes), photoType (not JPEG/PNG/WebP by its bytes),
 * photoTooManyPixels (header claims more than maxPixels), photoUnreadable (claims a type but does not decode).
 */
export async function processPhoto(input: Buffer): Promise<ProcessedPhoto> {
  if (input.length > photoLimits.maxBytes) throw new PhotoRejected('photoTooLarge', { maxBytes: photoLimits.maxBytes });

  const format = sniffFormat(input);
  if (!format) throw new PhotoRejected('photoType');

  const options: SharpOptions = { limitInputPixels: photoLimits.maxPixels, failOn: 'error', autoOrient: true };

  // Header only: sharp refuses here when width × height exceeds limitInputPixels, before any pixel is decoded.
  let metadata: Metadata;
  try {
    metadata = await sharp(input, options).metadata();
  } catch (error) {
    throw rejectionFor(error);
  }
  if (metadata.format !== format) throw new PhotoRejected('photoType');
  if (metadata.width * metadata.height > photoLimits.maxPixels) throw new PhotoRejected('photoTooManyPixels', { maxPixels: photoLimits.maxPixels });

  const source = sharp(input, options);
  const { maxDimension, thumbnailWidth } = photoLimits;
  try {
    const [main, thumbnail] = await Promise.all([
      encode(source.clone().resize({ width: maxDimension, height: maxDimension, fit: 'inside', withoutEnlargement: true }), format).toBuffer({
        resolveWithObject: true,
      }),
      // Bounded by maxDimension too, so a very tall image cannot yield a thumbnail larger than the image itself.
      encode(source.clone().resize({ width: thumbnailWidth, height: maxDimension, fit: 'inside', withoutEnlargement: true }), format).toBuffer(),
    ]);
    return {
      image: main.data,
      contentType: contentTypes[format],
      width: main.info.width,
      height: main.info.height,
      thumbnail,
      thumbnailContentType: contentTypes[format],
    };
  } catch (error) {
    throw rejectionFor(error);
  }
}

export const logoLimits: { maxBytes: number; maxPixels: number; maxDimension: number } = Object.freeze({
  /** A logo is a small picture: checked before anything is decoded. */
  maxBytes: 2 * 1024 * 1024,
  maxPixels: 25_000_000,
  /** The longer side of the stored logo; a letterhead prints it about 2 cm tall, so this is ample at print resolution. */
  maxDimension: 600,
});

export interface ProcessedLogo {
  image: Buffer;
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
}

/**
 * Validates and re-encodes an organization's letterhead logo as problem photos are (type from the bytes, size and
 * pixel bounds before decoding, every piece of metadata dropped), but PNG or JPEG only — what a PDF embeds — and
 * smaller. Throws PhotoRejected: photoTooLarge, photoType, photoTooManyPixels, photoUnreadable.
 */
export async function processLogo(input: Buffer): Promise<ProcessedLogo> {
  if (input.length > logoLimits.maxBytes) throw new PhotoRejected('photoTooLarge', { maxBytes: logoLimits.maxBytes });
  const format = sniffFormat(input);
  if (format !== 'png' && format !== 'jpeg') throw new PhotoRejected('photoType');
  const options: SharpOptions = { limitInputPixels: logoLimits.maxPixels, failOn: 'error', autoOrient: true };
  try {
    const metadata = await sharp(input, options).metadata();
    if (metadata.format !== format) throw new PhotoRejected('photoType');
    if (metadata.width * metadata.height > logoLimits.maxPixels) throw new PhotoRejected('photoTooManyPixels', { maxPixels: logoLimits.maxPixels });
    const resized = sharp(input, options).resize({ width: logoLimits.maxDimension, height: logoLimits.maxDimension, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await encode(resized, format).toBuffer({ resolveWithObject: true });
    return { image: data, contentType: contentTypes[format] as 'image/png' | 'image/jpeg', width: info.width, height: info.height };
  } catch (error) {
    throw rejectionFor(error);
  }
}
