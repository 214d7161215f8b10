/**
 * Input files named on the command line: a missing or unreadable file is a usage error said in a
 * person's words ("no such file: x.csv"), not Node's raw ENOENT with a syscall name.
 */
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from './usage.js';

function fileError(err: unknown, path: string, what: string, command: string): UsageError {
  const code = (err as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? `no such file`
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : ((err as Error).message ?? 'cannot be read');
  return new UsageError(
    `${what} ${path}: ${reason}`,
    command,
    code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_NOT_READABLE',
  );
}

/** The size of a regular file the user named, or a usage error saying why it cannot be used. */
export async function inputFileSize(path: string, what: string, command: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw fileError(err, path, what, command);
  }
  if (!info.isFile()) throw fileError({ code: 'EISDIR' }, path, what, command);
  return info.size;
}

/** A JSON file the user named: missing, unreadable or not JSON is said plainly. */
export async function readJsonInput(path: string, what: string, command: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fileError(err, path, what, command);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} ${path} is not a JSON file`, command, 'INVALID_JSON');
  }
}
