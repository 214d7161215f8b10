/**
 * Hash routing state, kept apart from main.ts so pages can navigate and re-render without
 * importing the module that imports them.
 */
export interface RouteParams {
  /** Path segments after the page name, decoded. */
  rest: string[];
  query: URLSearchParams;
}

export function parseHash(): { name: string; params: RouteParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const [name = '', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name, params: { rest, query: new URLSearchParams(query) } };
}

/** Navigates within the console. */
export function go(path: string): void {
  location.hash = `#/${path}`;
}

let renderer: () => Promise<void> = () => Promise.resolve();

export function setRenderer(render: () => Promise<void>): void {
  renderer = render;
}

/** Re-renders the current page, after an action changed what it shows. */
export const refresh = (): Promise<void> => renderer();
