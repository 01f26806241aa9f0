// The platform's file log keeps its file open between entries (issue 18 §4); these pin what that must not
// change: every entry lands in the file, rotation by size, and a log file moved or removed by someone else is
// written again (within a second) instead of entries going on into a file nobody sees.
import { mkdtempSync, readFileSync, renameSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fileLog } from "../../platform/core/log";

const lines = (path: string) => readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).msg as string);

describe("fileLog", () => {
  afterEach(() => vi.useRealTimers());

  it("writes every entry, in order, redacted", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlp-log-"));
    const log = fileLog(join(dir, "platform.log"), { secrets: ["s3cr3t-token"] });
    for (let i = 0; i < 50; i++) log(`entry ${i}`, { header: "Bearer s3cr3t-token" });
    const text = readFileSync(join(dir, "platform.log"), "utf8");
    expect(lines(join(dir, "platform.log"))).toEqual(Array.from({ length: 50 }, (_, i) => `entry ${i}`));
    expect(text).not.toContain("s3cr3t-token");
  });

  it("rotates by size and keeps writing into the new file", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlp-log-"));
    const path = join(dir, "platform.log");
    const log = fileLog(path, { maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 40; i++) log(`entry ${i}`, { pad: "x".repeat(40) });
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(readFileSync(path, "utf8").length).toBeLessThanOrEqual(1000);
    expect(lines(path).at(-1)).toBe("entry 39");
    expect(lines(`${path}.1`).at(-1)).not.toBe("entry 39");
  });

  it("opens the file again when someone else moved or removed it", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = mkdtempSync(join(tmpdir(), "mlp-log-"));
    const path = join(dir, "platform.log");
    const log = fileLog(path);
    log("first");
    renameSync(path, join(dir, "moved.log"));
    vi.setSystemTime(Date.now() + 1500);
    log("after the move");
    expect(lines(path)).toEqual(["after the move"]);
    expect(lines(join(dir, "moved.log"))).toEqual(["first"]);
    rmSync(path);
    vi.setSystemTime(Date.now() + 1500);
    log("after the removal");
    expect(lines(path)).toEqual(["after the removal"]);
  });
});
