// Uploads local files to a vendor's S3-protocol object store (Volcengine TOS, Huawei OBS, Baidu BOS) with
// @aws-sdk/client-s3, only when their content changed: each upload lands under a prefix named by the
// content digest, and a marker object written last says the prefix is complete, so a later run with the
// same bytes finds the marker and sends nothing (and an interrupted upload is redone, never half-used).
import { createReadStream, existsSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { contentDigest } from "../digest";
import type { CloudCredentials } from "./config";

export interface ObjectStoreOptions {
  endpoint: string;
  region: string;
  credentials: CloudCredentials;
  /** Path-style addressing (http://host/bucket/key): what emulators and private endpoints need. */
  forcePathStyle?: boolean;
}

export interface UploadResult {
  bucket: string;
  /** Key prefix ending in "/" under which the files sit (the directory's own name included for a directory). */
  prefix: string;
  uploaded: boolean;
  files: number;
}

const MARKER = ".mlplatform-complete";

export class ObjectStore {
  private readonly s3: S3Client;
  /** How many files were sent (tests and reports: "only when content changed"). */
  uploadedFiles = 0;

  constructor(opts: ObjectStoreOptions) {
    this.s3 = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.forcePathStyle ?? true,
      credentials: {
        accessKeyId: opts.credentials.accessKeyId,
        secretAccessKey: opts.credentials.secretAccessKey,
        sessionToken: opts.credentials.sessionToken,
      },
      maxAttempts: 6,
    });
  }

  /**
   * Uploads `localPath` (file or directory) under `<root>sha256-<digest>/`, unless a complete upload of the
   * same digest is already there. A directory keeps its own name as the last prefix segment, a file goes
   * directly under the digest prefix (the vendor SDKs' layout).
   */
  async uploadIfChanged(bucket: string, root: string, localPath: string, digest: string): Promise<UploadResult> {
    const base = `${root.replace(/\/*$/, "/")}sha256-${digest.replace(/^sha256:/, "")}/`;
    const isDir = statSync(localPath).isDirectory();
    const prefix = isDir ? `${base}${basename(localPath)}/` : base;
    if (await this.exists(bucket, base + MARKER)) return { bucket, prefix, uploaded: false, files: 0 };
    const files = isDir ? await listFiles(localPath) : [localPath];
    for (const file of files) {
      const key = isDir ? prefix + relative(localPath, file).split(sep).join("/") : prefix + basename(file);
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: statSync(file).size }));
      this.uploadedFiles++;
    }
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: base + MARKER, Body: digest }));
    return { bucket, prefix, uploaded: true, files: files.length };
  }

  private async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (e) {
      if (e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === "NotFound" || e.name === "NoSuchKey")) return false;
      throw e;
    }
  }

  destroy(): void {
    this.s3.destroy();
  }
}

/**
 * Whether a local `source` holds the bytes uploaded to `uploadedPath` (a store path with the
 * `sha256-<digest>/` segment uploadIfChanged names its prefix by). A source in the store itself (starting
 * with the vendor's `scheme`, "tos://") is no local source: the caller compares such paths its own way.
 */
export async function holdsUploadedBytes(source: string, uploadedPath: string | undefined, scheme: string): Promise<boolean> {
  const uploaded = /\/sha256-([0-9a-f]{64})\//.exec(uploadedPath ?? "")?.[1];
  const local = isAbsolute(source) ? source : resolve(process.cwd(), source);
  if (!uploaded || source.startsWith(scheme) || !existsSync(local)) return false;
  return (await contentDigest(local)).replace(/^sha256:/, "") === uploaded;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}
