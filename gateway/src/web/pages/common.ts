/**
 * Data several pages label things with: the department directory (names in both languages,
 * levels) and role lists. Loaded once per session and kept, since departments change rarely.
 */
import { PURPOSE_LABELS, type Purpose, type Role } from '@shulian/chaincode/constants';
import { api, type CatalogEntry, type Department } from '../api.js';
import { list, pick, t, type Msg } from '../i18n/index.js';
import { h, text, type Child } from '../dom.js';
import type { Option, PageLoader } from '../ui.js';

let departments: Map<string, Department> | null = null;

/**
 * The directory is public, so the sign-in and verify pages name departments for signed-out
 * visitors too.
 */
export async function loadDepartments(): Promise<Map<string, Department>> {
  departments ??= new Map((await api.departments()).items.map((d) => [d.id, d]));
  return departments;
}

/** Drops the kept directory after the coordinator changed it, so every page reads it afresh. */
export function forgetDepartments(): void {
  departments = null;
}

/** The department's name in the current language; its id when the directory does not know it. */
export function departmentName(id: string): Msg {
  const d = departments?.get(id);
  return d ? pick({ zh: d.nameZh, en: d.nameEn }) : pick({ zh: id, en: id });
}

/** The department's name with its id below it, where both help (network nodes, gateways). */
export const departmentCell = (id: string): Child => [
  departmentName(id),
  h('br'),
  h('small', null, text(id)),
];

/** Who acted: their department by name, then the user (`市公安局 · clerk`). */
export const person = (who: { department: string; user: string }): Child => [
  departmentName(who.department),
  text(` · ${who.user}`),
];

export const departmentOptions = (): Option[] =>
  [...(departments?.values() ?? [])].map((d) => ({ value: d.id, label: departmentName(d.id) }));

/** 行政依据 / 工作参考 / …: never broken inside a Chinese term, free to wrap in English. */
export const purposeLabel = (purpose: Purpose): HTMLElement =>
  h('span', { class: 'purpose' }, pick(PURPOSE_LABELS[purpose]));

export const rolesLabel = (roles: readonly Role[]): Msg => list(roles.map((r) => t(`role.${r}`)));

export { cstToday } from '../dates.js';

/** A link to a catalog entry, labelled with its name when known, else its code. */
export const catalogLink = (catalogId: string, name?: string): HTMLElement =>
  h(
    'a',
    { class: 'nowrap', href: `#/catalog/${encodeURIComponent(catalogId)}` },
    text(name ?? catalogId),
  );

/** Entries read for their field names, kept for the session like the directory. */
const entries = new Map<string, CatalogEntry | null>();

/**
 * Loads the entries whose fields a list names (requests, grants), so their fields can be shown
 * by their catalogued names; an entry that cannot be read keeps its field codes.
 */
export async function loadEntries(ids: Iterable<string>): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !entries.has(id));
  const found = await Promise.all(missing.map((id) => api.catalog.get(id).catch(() => null)));
  missing.forEach((id, i) => entries.set(id, found[i] ?? null));
}

/** An entry's name when it was loaded (`loadEntries`), for links that would show its code. */
export const loadedEntryName = (catalogId: string): string | undefined =>
  entries.get(catalogId)?.name;

/** A field by its catalogued Chinese name in Chinese, its code in English. */
export function fieldName(catalogId: string, name: string): Msg {
  const field = entries.get(catalogId)?.fields.find((f) => f.name === name);
  return pick({ zh: field?.nameZh ?? name, en: name });
}

/** The fields of an entry as one list in the current language. */
export const fieldsLabel = (catalogId: string, names: readonly string[]): Msg =>
  list(names.map((n) => fieldName(catalogId, n)));

/** A list loader whose pages come with their entries loaded, so rows can name their fields. */
export const withEntries =
  <T extends { catalogId: string | null }>(load: PageLoader<T>): PageLoader<T> =>
  async (page) => {
    const loadedPage = await load(page);
    await loadEntries(
      loadedPage.items.map((i) => i.catalogId).filter((id): id is string => id !== null),
    );
    return loadedPage;
  };

/** A transaction id, shortened, opening the explorer's page for it. */
export const txLink = (txId: string): HTMLElement =>
  h(
    'a',
    { class: 'mono nowrap', href: `#/network/tx/${encodeURIComponent(txId)}` },
    text(`${txId.slice(0, 10)}…`),
  );
