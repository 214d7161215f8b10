/**
 * Console entry: the layout (skip link, header, navigation, language switch) and a hash router.
 * Hash routes keep the console a set of static files that any path of the gateway can serve
 * and make every page linkable without server-side routing.
 */
import { ApiError, type Me } from './api.js';
import { h, replace, type Child } from './dom.js';
import {
  applyDocumentLang,
  getLang,
  onLangChange,
  setLang,
  t,
  type MessageKey,
} from './i18n/index.js';
import { adminPage } from './pages/admin.js';
import { auditPage } from './pages/audit.js';
import { catalogPage } from './pages/catalog.js';
import { editEntryPage, entryPage } from './pages/entry.js';
import { grantsPage } from './pages/grants.js';
import { networkPage } from './pages/network.js';
import { requestsPage } from './pages/requests.js';
import { safePage } from './pages/safe.js';
import { signInPage } from './pages/signin.js';
import { statsPage } from './pages/stats.js';
import { verifyPage } from './pages/verify.js';
import { go, parseHash, setRenderer, type RouteParams } from './router.js';
import { canAudit, currentUser, isAdmin, restore, signOut } from './session.js';
import { errorBox } from './ui.js';
import { departmentName, loadDepartments, rolesLabel } from './pages/common.js';

interface Page {
  name: string;
  nav: MessageKey;
  render: (params: RouteParams) => Promise<Child> | Child;
  /** Signed-out visitors are sent to sign in first. */
  signedIn: boolean;
  visible?: () => boolean;
}

const PAGES: readonly Page[] = [
  // The open catalog is public: signed out, it lists the 开放 entries only.
  { name: 'catalog', nav: 'nav.catalog', signedIn: false, render: routeCatalog },
  { name: 'verify', nav: 'nav.verify', signedIn: false, render: verifyPage },
  { name: 'safe', nav: 'nav.safe', signedIn: false, render: safePage },
  { name: 'requests', nav: 'nav.requests', signedIn: true, render: requestsPage },
  { name: 'grants', nav: 'nav.grants', signedIn: true, render: grantsPage },
  { name: 'audit', nav: 'nav.audit', signedIn: true, render: auditPage, visible: canAudit },
  { name: 'stats', nav: 'nav.stats', signedIn: true, render: statsPage },
  { name: 'network', nav: 'nav.network', signedIn: true, render: networkPage },
  { name: 'admin', nav: 'nav.admin', signedIn: true, render: adminPage, visible: isAdmin },
];

/** `catalog`, `catalog/new`, `catalog/:id`, `catalog/:id/edit`. */
function routeCatalog(params: RouteParams): Promise<Child> {
  const [id, action] = params.rest;
  // Writing to the catalog needs a token: the router sends a signed-out visitor to sign in.
  if (!currentUser() && (id === 'new' || action))
    throw new ApiError(401, 'UNAUTHENTICATED', 'sign in to edit the catalog');
  if (id === 'new') return editEntryPage(null);
  if (id && action === 'edit') return editEntryPage(id);
  if (id) return entryPage(id);
  return catalogPage(params);
}

const main = h('main', { id: 'main', tabindex: -1 });
const header = h('header', { class: 'top' });

function renderHeader(active: string): void {
  const me = currentUser();
  const nav = h(
    'nav',
    { 'aria-label': t('nav.label') },
    h(
      'ul',
      null,
      PAGES.filter((p) => (!p.signedIn || me) && (p.visible?.() ?? true)).map((p) =>
        h(
          'li',
          null,
          h(
            'a',
            { href: `#/${p.name}`, 'aria-current': p.name === active ? 'page' : undefined },
            t(p.nav),
          ),
        ),
      ),
    ),
  );
  const other = getLang() === 'zh' ? 'en' : 'zh';
  const langButton = h(
    'button',
    {
      type: 'button',
      class: 'btn link',
      lang: other === 'zh' ? 'zh-CN' : 'en',
      'aria-label': t('lang.switchLabel'),
      on: { click: () => setLang(other) },
    },
    t('lang.switch'),
  );
  const account = me
    ? h(
        'div',
        { class: 'account' },
        h(
          'span',
          { class: 'who' },
          me.roles.length
            ? t('account.who', {
                user: me.user,
                department: departmentName(me.department),
                roles: rolesLabel(me.roles),
              })
            : t('account.whoNoRole', { user: me.user, department: departmentName(me.department) }),
        ),
        accountHint(me),
        h(
          'button',
          {
            type: 'button',
            class: 'btn link',
            on: {
              click: () => {
                signOut();
                go('signin');
              },
            },
          },
          t('account.signOut'),
        ),
      )
    : h('a', { href: '#/signin', class: 'btn link' }, t('account.signIn'));
  replace(
    header,
    h(
      'a',
      { class: 'brand', href: '#/catalog' },
      h('span', { class: 'logo' }, t('app.name')),
      h('span', { class: 'tagline' }, t('app.tagline')),
    ),
    nav,
    h('div', { class: 'tools' }, account, langButton),
  );
}

/**
 * What the signed-in user lacks, said in the header: roles live on the ledger, so a token whose
 * user the department's admin has not given a role (or not the roles the token names) can do
 * little, and the header says why and who can change it instead of a bare "user · dept · ".
 */
function accountHint(me: Me): HTMLElement | null {
  const message = !me.departmentRegistered
    ? t('account.unregistered', { department: me.department })
    : me.lacks.length
      ? t('account.lacks', { roles: rolesLabel(me.lacks) })
      : me.roles.length === 0
        ? t('account.noRole')
        : null;
  return message && h('span', { class: 'account-hint', role: 'note' }, message);
}

let renderSeq = 0;

async function render(): Promise<void> {
  const seq = ++renderSeq;
  // The header and the sign-in page name departments (the directory is public and kept once
  // read); without it they could only show ids. A directory that cannot be read leaves the ids.
  await loadDepartments().catch(() => undefined);
  const { name, params } = parseHash();
  const page = PAGES.find((p) => p.name === name);
  let title: MessageKey;
  let content: Child;
  if (name === 'signin') {
    renderHeader('signin');
    title = 'account.signIn';
    content = await signInPage(params);
  } else if (!page) {
    go(currentUser() ? 'catalog' : 'signin');
    return;
  } else if (page.signedIn && !currentUser()) {
    go(`signin?next=${encodeURIComponent(location.hash.slice(2))}`);
    return;
  } else {
    renderHeader(page.name);
    main.setAttribute('aria-busy', 'true');
    title = page.nav;
    try {
      content = await page.render(params);
    } catch (err) {
      // A token revoked or expired while the tab was open: sign in again, then come back.
      if (err instanceof ApiError && err.status === 401) {
        signOut();
        go(`signin?next=${encodeURIComponent(location.hash.slice(2))}`);
        return;
      }
      content = errorBox(err);
    }
  }
  // A later navigation finished first: drop this stale page.
  if (seq !== renderSeq) return;
  replace(main, content);
  main.removeAttribute('aria-busy');
  // Which route is on screen, for tools (and tests) that must not act on the previous page.
  main.setAttribute('data-route', location.hash);
  document.title = t('app.pageTitle', { page: t(title) });
  // After a navigation, focus the new page's heading so screen readers announce it; on the first
  // load leave focus at the top, where the skip link is the first stop.
  if (seq > 1) main.querySelector<HTMLElement>('h1')?.focus();
}

async function start(): Promise<void> {
  applyDocumentLang();
  const skip = h(
    'a',
    {
      class: 'skip',
      href: '#main',
      on: {
        click: (e) => {
          e.preventDefault();
          main.focus();
        },
      },
    },
    t('app.skip'),
  );
  document.body.replaceChildren(skip, header, main);
  onLangChange(() => {
    skip.replaceChildren(t('app.skip'));
    void render();
  });
  setRenderer(render);
  // A session whose token was revoked or expired meanwhile goes to sign in, then comes back: on a
  // public page (the open catalog) it would otherwise carry on signed out without saying why.
  if ((await restore()) === 'ended' && !location.hash.startsWith('#/signin'))
    history.replaceState(null, '', `#/signin?next=${encodeURIComponent(location.hash.slice(2))}`);
  window.addEventListener('hashchange', () => void render());
  await render();
}

void start();
