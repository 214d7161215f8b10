/**
 * Files replaced as a whole (key files, channel.json, the gateway's token file) are written to a
 * temporary file, fsynced, renamed into place, and then their folder is fsynced: without the last
 * step a power loss can forget the rename, without the first it can keep the name but not the bytes.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** fsync a directory, so the names created or renamed in it survive a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` with `data` durably; a crash leaves the old file or the new, never half. */
export async function writeFileDurably(
  file: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  // Unique per write, so concurrent writers (threads, tests in one process) never share one.
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}
