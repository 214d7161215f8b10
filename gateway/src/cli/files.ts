/**
 * Input files named on the command line: a missing or unreadable file is a usage error said in a
 * person's words ("no such file: x.csv"), not Node's raw ENOENT with a syscall name.
 */
import { readFile, stat } from 'node:fs/promises';
import { t } from './i18n.js';
import { UsageError } from './usage.js';

/** What the user named a file as, said in the message ("proof bundle p.json: no such file"). */
export type InputKind = 'file' | 'proof' | 'delivery' | 'trust' | 'record';

function fileError(err: unknown, path: string, what: InputKind, command: string): UsageError {
  const code = (err as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? t('file.missing')
      : code === 'EACCES' || code === 'EPERM'
        ? t('file.denied')
        : code === 'EISDIR'
          ? t('file.directory')
          : ((err as Error).message ?? t('file.unreadable'));
  return new UsageError(
    t('file.problem', { what: t(`input.${what}`), path, reason }),
    command,
    code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_NOT_READABLE',
  );
}

/** The size of a regular file the user named, or a usage error saying why it cannot be used. */
export async function inputFileSize(
  path: string,
  what: InputKind,
  command: string,
): Promise<number> {
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
export async function readJsonInput(
  path: string,
  what: InputKind,
  command: string,
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fileError(err, path, what, command);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(
      t('file.notJson', { what: t(`input.${what}`), path }),
      command,
      'INVALID_JSON',
    );
  }
}
