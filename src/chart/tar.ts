/**
 * Deterministic .tgz: POSIX ustar entries (sorted, mode 0644, uid/gid 0, mtime 0, no user names) in a gzip member
 * with a fixed header (no name, mtime 0, OS 255), so the same files always give the same bytes and digest.
 * Only regular files are written; Helm's chart loader needs no directory entries.
 */
import { crc32, deflateRawSync, gunzipSync } from "node:zlib";

const BLOCK = 512;

function octal(n: number, width: number): string {
  // width includes the terminating NUL.
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function splitName(name: string): { prefix: string; base: string } {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { prefix: "", base: name };
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100 && base) return { prefix, base };
  }
  throw new Error(`path too long for a ustar archive: ${name}`);
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { prefix, base } = splitName(name);
  h.write(base, 0, 100, "utf8");
  h.write(octal(0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(0, 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum is computed with its own field as spaces
  h.write("0", 156, "ascii");
  h.write("ustar\u000000", 257, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** A ustar archive of `files` (path → content), entries sorted by path. */
export function tar(files: ReadonlyMap<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const name of [...files.keys()].sort()) {
    if (!name || name.startsWith("/") || name.split("/").includes("..")) throw new Error(`unsafe archive path ${name}`);
    const data = files.get(name) as Buffer;
    if (data.length > 0o77777777777) throw new Error(`${name} is too large for a ustar archive`);
    parts.push(header(name, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

/** gzip (RFC 1952) with a fixed 10-byte header: no file name, mtime 0, maximum compression, OS unknown. */
export function gzip(data: Buffer): Buffer {
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([head, deflateRawSync(data, { level: 9 }), trailer]);
}

export function tgz(files: ReadonlyMap<string, Buffer>): Buffer {
  return gzip(tar(files));
}

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

/** Regular files of a .tgz (any ustar/POSIX archive, as written by Helm or by `tgz`). */
export function untgz(archive: Buffer): Map<string, Buffer> {
  let data: Buffer;
  try {
    data = gunzipSync(archive);
  } catch {
    throw new Error("not a gzip file");
  }
  const files = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let off = 0; off + BLOCK <= data.length; ) {
    const h = data.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (parseInt(field(h, 148, 8).trim(), 8) !== sum) throw new Error(`corrupt tar header at byte ${off}`);
    const size = parseInt(field(h, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const body = data.subarray(off + BLOCK, off + BLOCK + size);
    if (body.length !== size) throw new Error(`truncated tar entry ${name}`);
    longName = undefined;
    if (type === "L") longName = body.toString("utf8").replace(/\0+$/, "");
    else if (type === "0" || type === "\0") files.set(name, Buffer.from(body));
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
