/**
 * The console's one translation function and its language state.
 *
 * Every piece of UI text is a `Msg`, a string that only `t` and `pick` can make: the DOM helpers
 * accept `Msg` (or data wrapped by `text`), never a bare string, so a hard-coded label does not
 * type-check. Chinese is the default language; the choice is remembered in localStorage.
 */
import { en } from './en.js';
import { zh, type MessageKey } from './zh.js';

export type { MessageKey } from './zh.js';

declare const msgBrand: unique symbol;
/** Text that went through translation. */
export type Msg = string & { readonly [msgBrand]: true };

export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** Text that already exists in both languages (department names, purpose labels). */
export interface Localized {
  zh: string;
  en: string;
}

const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { zh, en };
const STORAGE_KEY = 'shulian.lang';

function initialLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'zh';
}

let current: Lang = initialLang();
const listeners = new Set<() => void>();

export const getLang = (): Lang => current;

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  applyDocumentLang();
  for (const listener of listeners) listener();
}

/** Called after every language change; the app re-renders the current page. */
export function onLangChange(listener: () => void): void {
  listeners.add(listener);
}

/** Keeps `<html lang>` right so screen readers pronounce the page in the chosen language. */
export function applyDocumentLang(): void {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
}

export type Params = Readonly<Record<string, string | number>>;

/** The message for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params?: Params): Msg {
  const template = DICTIONARIES[current][key];
  const filled = params
    ? template.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole))
    : template;
  return filled as Msg;
}

/** For keys built at run time from codes the gateway sends (error codes). */
export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(zh, key);

/** The current language's side of text that the ledger or the constants already hold in both. */
export const pick = (text: Localized): Msg => text[current] as Msg;

/** BCP 47 tag for Intl formatting. */
export const locale = (): string => (current === 'zh' ? 'zh-CN' : 'en-GB');

/** Joins translated items the way the language lists things (顿号 in Chinese, commas in English). */
export const list = (items: readonly Msg[]): Msg =>
  new Intl.ListFormat(locale(), { style: 'narrow', type: 'conjunction' }).format(items) as Msg;
