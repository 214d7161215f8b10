/**
 * The command line's language: Chinese or English, chosen as command-line tools choose it (the
 * first set of LC_ALL, LC_MESSAGES and LANG; zh, zh_CN.UTF-8, zh_TW ... are Chinese, anything else,
 * C, POSIX or none is English, so scripts keep their output) or by `--lang zh|en`. `--json` answers
 * are machine output and stay English whatever the language (main sets it so).
 *
 * Codes stay codes in both languages (error codes, check paths, ids, option names): they are what
 * a person searches for, types back, or quotes to an administrator.
 */
import { sharedEn } from '../i18n/shared-en.js';
import { sharedZh, type SharedKey } from '../i18n/shared-zh.js';
import { proofCheckKey } from '../i18n/proof-checks.js';
import { en, type CliKey } from './messages/en.js';
import { zh } from './messages/zh.js';

export type { CliKey } from './messages/en.js';

export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export const isLang = (value: unknown): value is Lang => value === 'zh' || value === 'en';

const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<CliKey, string>>>> = { zh, en };
const SHARED: Readonly<Record<Lang, Readonly<Record<SharedKey, string>>>> = {
  zh: sharedZh,
  en: sharedEn,
};

/** The language the environment's locale asks for; an empty variable counts as unset (POSIX). */
export function langFromEnv(env: Readonly<Record<string, string | undefined>>): Lang {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return locale !== undefined && /^zh(?:[_.@-]|$)/i.test(locale) ? 'zh' : 'en';
}

let current: Lang = 'en';

export const getLang = (): Lang => current;
export function setLang(lang: Lang): void {
  current = lang;
}

export type Params = Readonly<Record<string, string | number>>;

const fill = (template: string, params: Params | undefined): string =>
  params
    ? template.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole))
    : template;

/** The message for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: CliKey, params?: Params): string {
  return translate(current, key, params);
}

/** The message for `key` in `lang` (the server's lines, whose language is its configuration's). */
export function translate(lang: Lang, key: CliKey, params?: Params): string {
  return fill(DICTIONARIES[lang][key], params);
}

/** Items as `lang` lists them: 顿号 in Chinese, commas in English. */
export const listIn = (lang: Lang, items: readonly (string | number)[]): string =>
  items.join(lang === 'zh' ? '、' : ', ');

/** Items as the language lists them: 顿号 in Chinese, commas in English. */
export const list = (items: readonly (string | number)[]): string => listIn(current, items);

const sharedKey = (key: string): key is SharedKey => Object.hasOwn(sharedZh, key);

/**
 * What a gateway's or the ledger's refusal says to the reader. The gateway speaks English, so an
 * English reader gets its own message, which names the very catalog entry or version; a Chinese
 * reader gets the console's text for the code, or the gateway's English for a code it has none for.
 */
export function codeText(code: string, message: string): string {
  const key = `error.${code}`;
  return current === 'en' || !sharedKey(key) ? message : SHARED[current][key];
}

/**
 * A failed check of a proof bundle: the verifier's own words in English, in Chinese what that
 * check means (the console's text); the check itself is named in both.
 */
export function checkText(check: string, message: string): string {
  return current === 'en' ? message : SHARED[current][proofCheckKey(check)];
}

/**
 * A use's action or outcome: in English the ledger's own word, as the options take it (`--outcome
 * DENIED`) and scripts read it; in Chinese the console's label.
 */
export function ledgerWord(kind: 'action' | 'outcome', value: string): string {
  const key = `${kind}.${value}`;
  return current === 'en' || !sharedKey(key) ? value : SHARED[current][key];
}

/** Columns a text takes in a terminal: CJK and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const c of text)
    width +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        c,
      )
        ? 2
        : 1;
  return width;
}

/** `padEnd` by terminal columns, so Chinese labels line up as English ones do. */
export const padDisplay = (text: string, width: number): string =>
  text + ' '.repeat(Math.max(0, width - displayWidth(text)));
