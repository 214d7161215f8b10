/**
 * The ledger network: each department's node with its height, last block hash and commit hash,
 * whether they agree, and a button that re-verifies every node's chain; the block explorer
 * (blocks newest first, a block's transactions, a transaction with the act it recorded, linked to
 * the entry or request it touched); then the gateway directory (each department's own gateway as
 * its admin published it on the ledger, with the SHA-256 fingerprint of the TLS certificate other
 * gateways pin).
 */
import {
  api,
  type BlockSummary,
  type DepartmentGateway,
  type NodeStatus,
  type Transaction,
  type TransactionDetail,
  type VerifyReport,
} from '../api.js';
import { h, text, type Child } from '../dom.js';
import { pick, t } from '../i18n/index.js';
import type { RouteParams } from '../router.js';
import {
  badge,
  button,
  details,
  errorBox,
  formatNumber,
  formatTime,
  mono,
  notice,
  pageTitle,
  section,
  table,
} from '../ui.js';
import {
  catalogLink,
  departmentCell,
  loadDepartments,
  loadedEntryName,
  loadEntries,
  person,
  txLink,
} from './common.js';

/** Blocks per explorer page. */
const BLOCKS_PER_PAGE = 10;

/** `network`, `network/block/:n`, `network/tx/:id`. */
export async function networkPage(params: RouteParams): Promise<HTMLElement> {
  const [kind, id] = params.rest;
  if (kind === 'block' && id !== undefined) return blockPage(Number(id));
  if (kind === 'tx' && id !== undefined) return transactionPage(id);
  const before = Number(params.query.get('before'));
  return statusPage(Number.isInteger(before) && before > 0 ? before : undefined);
}

async function statusPage(before: number | undefined): Promise<HTMLElement> {
  const [status, directory, blocks] = await Promise.all([
    api.ledger.status(),
    api.gateways().then(({ items }) => withFingerprints(items)),
    api.ledger.blocks(before, BLOCKS_PER_PAGE),
    loadDepartments(),
  ]);
  const report = h('div', { 'aria-live': 'polite' });
  const verify = button(
    t('network.verify'),
    () => {
      verify.disabled = true;
      report.replaceChildren(h('p', null, t('network.verifying')));
      api.ledger
        .verify()
        .then((r) => report.replaceChildren(verifyReport(r)))
        .catch((err: unknown) => report.replaceChildren(errorBox(err)))
        .finally(() => (verify.disabled = false));
    },
    'primary',
  );
  return h(
    'div',
    null,
    pageTitle(t('network.title'), verify),
    h(
      'div',
      { class: 'panel' },
      details([
        [t('network.engine'), t(`engine.${status.engine}`)],
        [t('network.channel'), text(status.channel)],
        [t('network.height'), text(status.height)],
        [
          t('network.agreement'),
          status.agreement ? badge(t('network.agree'), 'ok') : badge(t('network.disagree'), 'bad'),
        ],
      ]),
    ),
    report,
    section(
      t('network.nodes'),
      table<NodeStatus>(
        t('network.nodes'),
        [
          {
            header: t('common.department'),
            cell: (n) => departmentCell(n.id),
          },
          {
            header: t('network.running'),
            cell: (n) =>
              n.running ? badge(t('network.up'), 'ok') : badge(t('network.down'), 'bad'),
          },
          { header: t('network.height'), cell: (n) => text(n.height), numeric: true },
          { header: t('network.lastBlock'), cell: (n) => mono(n.lastBlockHash) },
          { header: t('network.commitHash'), cell: (n) => mono(n.commitHash) },
        ],
        status.nodes,
        (n) => (n.running ? '' : 'down'),
      ),
    ),
    blockList(blocks.items, blocks.height, before),
    gatewayDirectory(directory),
  );
}

// ---- the explorer ------------------------------------------------------------------------------

/** The newest blocks below `before`, with links to newer and older pages of them. */
function blockList(items: readonly BlockSummary[], height: number, before?: number): HTMLElement {
  const top = Math.min(before ?? height, height);
  const newer = top < height ? Math.min(top + BLOCKS_PER_PAGE, height) : null;
  const older = top - items.length > 0 ? top - items.length : null;
  const pageLink = (label: Child, to: number | null) =>
    to === null
      ? null
      : h(
          'a',
          { class: 'btn secondary', href: to >= height ? '#/network' : `#/network?before=${to}` },
          label,
        );
  return section(
    t('explorer.blocks'),
    table<BlockSummary>(
      t('explorer.blocks'),
      [
        {
          header: t('explorer.height'),
          cell: (b) =>
            h(
              'a',
              {
                href: `#/network/block/${b.blockNumber}`,
                'aria-label': t('explorer.open', { number: b.blockNumber }),
              },
              text(b.blockNumber),
            ),
          numeric: true,
        },
        { header: t('explorer.hash'), cell: (b) => mono(b.blockHash) },
        { header: t('common.time'), cell: (b) => formatTime(b.time) },
        { header: t('explorer.txCount'), cell: (b) => formatNumber(b.txCount), numeric: true },
        { header: t('explorer.valid'), cell: (b) => formatNumber(b.validTxCount), numeric: true },
      ],
      items,
    ),
    h(
      'div',
      { class: 'row-actions' },
      pageLink(t('explorer.newer'), newer),
      pageLink(t('explorer.older'), older),
    ),
  );
}

/** VALID in the reader's language; other codes are Fabric's own names, the same in both. */
const validation = (code: string): HTMLElement =>
  code === 'VALID'
    ? badge(t('explorer.validCode'), 'ok')
    : badge(pick({ zh: code, en: code }), 'bad');

async function blockPage(n: number): Promise<HTMLElement> {
  const [block] = await Promise.all([api.ledger.block(n), loadDepartments()]);
  return h(
    'div',
    null,
    pageTitle(t('explorer.block', { number: block.blockNumber }), backLink(block.blockNumber)),
    h(
      'div',
      { class: 'panel' },
      details([
        [t('explorer.height'), text(block.blockNumber)],
        [t('explorer.hash'), mono(block.blockHash)],
        [t('common.time'), formatTime(block.time)],
      ]),
    ),
    section(
      t('explorer.transactions', { number: block.blockNumber }),
      table<Transaction>(
        t('explorer.transactions', { number: block.blockNumber }),
        [
          { header: t('explorer.index'), cell: (tx) => text(tx.index), numeric: true },
          { header: t('explorer.txId'), cell: (tx) => txLink(tx.txId) },
          { header: t('explorer.function'), cell: (tx) => mono(tx.fcn) },
          {
            header: t('explorer.creator'),
            cell: (tx) => person(tx.creator),
          },
          { header: t('explorer.validation'), cell: (tx) => validation(tx.validationCode) },
          { header: t('common.time'), cell: (tx) => formatTime(tx.timestamp) },
        ],
        block.transactions,
        (tx) => (tx.validationCode === 'VALID' ? '' : 'refused'),
      ),
    ),
  );
}

/** Back to the page of the block list that holds block `n`. */
const backLink = (n: number): HTMLElement =>
  h('a', { class: 'btn secondary', href: `#/network?before=${n + 1}` }, t('explorer.back'));

async function transactionPage(txId: string): Promise<HTMLElement> {
  const [tx] = await Promise.all([api.ledger.transaction(txId), loadDepartments()]);
  if (tx.act?.catalogId) await loadEntries([tx.act.catalogId]);
  return h(
    'div',
    null,
    pageTitle(t('explorer.transaction'), backLink(tx.blockNumber)),
    h(
      'div',
      { class: 'panel' },
      details([
        [t('explorer.txId'), mono(tx.txId)],
        [
          t('explorer.block', { number: tx.blockNumber }),
          h(
            'a',
            { href: `#/network/block/${tx.blockNumber}` },
            t('explorer.open', { number: tx.blockNumber }),
          ),
        ],
        [t('explorer.index'), text(tx.index)],
        [t('explorer.function'), mono(tx.fcn)],
        [t('explorer.creator'), person(tx.creator)],
        [t('explorer.validation'), validation(tx.validationCode)],
        [t('common.time'), formatTime(tx.timestamp)],
        [t('audit.act'), tx.act ? t(`act.${tx.act.act}`) : text('—')],
        [t('explorer.entity'), actTarget(tx)],
      ]),
    ),
    section(
      t('explorer.event'),
      tx.event
        ? [
            h('p', null, mono(tx.event.name)),
            h(
              'pre',
              { class: 'payload', 'aria-label': t('explorer.payload') },
              text(JSON.stringify(tx.event.payload, null, 2)),
            ),
          ]
        : h('p', null, t('explorer.noEvent')),
    ),
  );
}

/** What the transaction touched, linked to its page where the console has one. */
function actTarget(tx: TransactionDetail): Child {
  const act = tx.act;
  if (!act?.target) return text('—');
  return [
    h('small', { class: 'target-kind' }, t(`actTarget.${act.target.type}`)),
    h('br'),
    act.catalogId ? [catalogLink(act.catalogId, loadedEntryName(act.catalogId)), h('br')] : null,
    act.target.type === 'catalog' ? null : mono(act.target.id),
  ];
}

type Listed = DepartmentGateway & { fingerprint: string };

/** SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` prints it. */
async function withFingerprints(items: DepartmentGateway[]): Promise<Listed[]> {
  return Promise.all(
    items.map(async (g) => {
      const body = g.tlsCertificate.replace(/-----[A-Z ]+-----|\s/g, '');
      const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
      const hex = [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase());
      return { ...g, fingerprint: hex.join(':') };
    }),
  );
}

function gatewayDirectory(items: Listed[]): HTMLElement {
  return section(
    t('network.gateways'),
    items.length === 0
      ? h('p', null, t('network.noGateways'))
      : table<Listed>(
          t('network.gateways'),
          [
            { header: t('common.department'), cell: (g) => departmentCell(g.department) },
            { header: t('network.gatewayUrl'), cell: (g) => mono(g.url) },
            { header: t('network.tlsFingerprint'), cell: (g) => mono(g.fingerprint) },
            { header: t('network.publishedAt'), cell: (g) => formatTime(g.publishedAt) },
          ],
          items,
        ),
  );
}

function verifyReport(r: VerifyReport): HTMLElement {
  if (r.ok) return notice('ok', t('network.verified', { blocks: r.checkedBlocks }));
  return h(
    'div',
    { class: 'alert error', role: 'alert' },
    h('p', null, t('network.diverged', { blocks: r.checkedBlocks })),
    h(
      'ul',
      null,
      r.divergences.map((d) =>
        h(
          'li',
          null,
          t('network.divergence', {
            node: d.node,
            height: d.height,
            key: d.key ?? '—',
            reason: d.reason,
          }),
        ),
      ),
    ),
  );
}
