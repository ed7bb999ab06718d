// Helpers for the image tests (watermark, thumbnail, whole worker): image builders and pixel comparisons.
import { crc32 } from 'node:zlib';
import type { WatermarkOptions } from '@offload/contracts';
import sharp from 'sharp';
import { renderWatermark } from '../src/watermark/render-watermark';

/** Decoded 8-bit sRGB pixels, alpha removed. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** A rectangle in pixels; right and bottom are exclusive. */
export interface Region {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export const DEFAULT_OPTIONS: WatermarkOptions = {
  position: 'bottom-right',
  tile: false,
  opacity: 0.5,
  size: 0.25,
  margin: 0.02,
};

export type WatermarkOverrides = Partial<WatermarkOptions>;

export function watermarkOptions(overrides: WatermarkOverrides): WatermarkOptions {
  return { ...DEFAULT_OPTIONS, ...overrides };
}

export async function decodePixels(bytes: Buffer, options: sharp.SharpOptions = {}): Promise<Pixels> {
  const { data, info } = await sharp(bytes, options)
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Frame `index` of an animated image decoded as one tall strip. */
export function framePixels(strip: Pixels, index: number, pageHeight: number): Pixels {
  const rowBytes = strip.width * strip.channels;
  const data = strip.data.subarray(index * pageHeight * rowBytes, (index + 1) * pageHeight * rowBytes);
  return { data, width: strip.width, height: pageHeight, channels: strip.channels };
}

export function pixelAt(pixels: Pixels, x: number, y: number): number[] {
  const i = (y * pixels.width + x) * pixels.channels;
  return [...pixels.data.subarray(i, i + pixels.channels)];
}

function pixelDelta(a: Pixels, b: Pixels, x: number, y: number): number {
  let delta = 0;
  const i = (y * a.width + x) * a.channels;
  for (let c = 0; c < a.channels; c += 1) delta = Math.max(delta, Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0)));
  return delta;
}

function assertSameShape(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`pixel buffers differ in shape: ${a.width}×${a.height}×${a.channels} vs ${b.width}×${b.height}×${b.channels}`);
  }
}

/** Bounding box of the pixels where any channel differs by more than `threshold`, or undefined. */
export function diffBox(a: Pixels, b: Pixels, threshold = 16, within?: Region): Region | undefined {
  assertSameShape(a, b);
  const area = within ?? { left: 0, top: 0, right: a.width, bottom: a.height };
  let box: Region | undefined;
  for (let y = area.top; y < area.bottom; y += 1) {
    for (let x = area.left; x < area.right; x += 1) {
      if (pixelDelta(a, b, x, y) <= threshold) continue;
      box = box === undefined
        ? { left: x, top: y, right: x + 1, bottom: y + 1 }
        : {
            left: Math.min(box.left, x),
            top: Math.min(box.top, y),
            right: Math.max(box.right, x + 1),
            bottom: Math.max(box.bottom, y + 1),
          };
    }
  }
  return box;
}

/** Sum of absolute channel differences: how much the image changed overall. */
export function diffTotal(a: Pixels, b: Pixels): number {
  assertSameShape(a, b);
  let total = 0;
  for (let i = 0; i < a.data.length; i += 1) total += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
  return total;
}

export function solidPng(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

/** Noise compresses badly, so quality settings visibly change the size. */
export function noisyJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** An animated image with one solid frame per colour. */
export async function animatedImage(
  width: number,
  height: number,
  colours: string[],
  format: 'gif' | 'webp',
): Promise<Buffer> {
  const frames = await Promise.all(colours.map((colour) => solidPng(width, height, colour)));
  const joined = sharp(frames, { join: { animated: true } });
  const animation = { delay: colours.map(() => 100), loop: 0 };
  return format === 'gif' ? joined.gif(animation).toBuffer() : joined.webp({ ...animation, lossless: true }).toBuffer();
}

/** A valid 8×8 PNG whose IHDR is rewritten (CRC included) to declare width × height. */
export async function pngBomb(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solidPng(8, 8, '#ffffff'));
  // Signature (8) + IHDR length (4) + type (4), then width and height; the CRC covers type + data.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/**
 * A grey PNG with `text` as an opaque mark across its middle: the font tests draw this in this
 * process and in a child with other fonts, and compare the two.
 */
export async function textSample(text: string): Promise<Buffer> {
  const image = await solidPng(480, 160, '#808080');
  const options = watermarkOptions({ text, position: 'center', size: 0.9, opacity: 1 });
  const { data } = await renderWatermark({ image, options, limits: { limitInputPixels: 10_000_000 } });
  return data;
}
