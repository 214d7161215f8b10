/**
 * Verify a file or a single record against the ledger. The file is hashed here, in the browser,
 * and only its digest is sent; a record proof is checked offline first and then its root is
 * looked up on the ledger, so a forged proof fails before any request is made.
 */
import { DIGEST_ALGORITHMS, type DigestAlgorithm } from '@shulian/chaincode/constants';
import { verifyRecordProof, type RecordProof } from '../../proof/records.js';
import { api, type DigestMatch } from '../api.js';
import { h, text } from '../dom.js';
import { t, type Msg } from '../i18n/index.js';
import { HASHES, hashFile } from '../hashing.js';
import {
  enumOptions,
  errorBox,
  errorText,
  field,
  formatBytes,
  formatTime,
  mono,
  pageTitle,
  section,
  select,
  submit,
  table,
  textarea,
} from '../ui.js';
import { catalogLink, departmentName, loadDepartments } from './common.js';

export async function verifyPage(): Promise<HTMLElement> {
  await loadDepartments().catch(() => undefined);
  return h('div', null, pageTitle(t('verify.title')), fileSection(), recordSection());
}

function matchesTable(matches: readonly DigestMatch[]): HTMLElement {
  if (matches.length === 0)
    return h('p', { class: 'alert warn', role: 'alert' }, t('verify.noMatch'));
  return h(
    'div',
    null,
    h('p', { class: 'alert ok', role: 'status' }, t('verify.matched', { count: matches.length })),
    table<DigestMatch>(
      t('verify.matches'),
      [
        {
          header: t('verify.dataset'),
          cell: (m) => catalogLink(m.catalogId, m.catalogName ?? undefined),
        },
        { header: t('catalog.version'), cell: (m) => text(m.version), numeric: true },
        { header: t('common.department'), cell: (m) => departmentName(m.owner) },
        { header: t('common.block'), cell: (m) => text(m.blockNumber), numeric: true },
        { header: t('common.tx'), cell: (m) => mono(m.txId) },
        { header: t('common.time'), cell: (m) => formatTime(m.anchoredAt) },
      ],
      matches,
    ),
  );
}

function fileSection(): HTMLElement {
  const algorithm = select(
    'algorithm',
    enumOptions(DIGEST_ALGORITHMS, (v) => t(`algorithm.${v}`)),
    'sha256',
  );
  // The drop zone is the one tab stop and opens the picker; the input stays out of the tab order.
  const fileInput = h('input', {
    type: 'file',
    id: 'verify-file',
    class: 'visually-hidden',
    tabindex: -1,
  });
  const progress = h('progress', { max: 1, value: '0', hidden: true });
  progress.id = 'verify-progress';
  const progressLabel = h('label', { for: progress.id, hidden: true }, t('verify.progress'));
  const result = h('div', { 'aria-live': 'polite' });
  const zone = h(
    'label',
    { for: fileInput.id, class: 'dropzone', tabindex: 0 },
    h('strong', null, t('verify.drop')),
    h('span', null, t('verify.local')),
  );

  let running: AbortController | null = null;
  const verify = async (file: File): Promise<void> => {
    running?.abort();
    const controller = new AbortController();
    running = controller;
    const alg = algorithm.value as DigestAlgorithm;
    progress.hidden = progressLabel.hidden = false;
    result.replaceChildren(h('p', null, t('verify.hashing', { name: file.name })));
    try {
      const digest = await hashFile(
        file,
        alg,
        (done, total) => {
          progress.value = total === 0 ? 1 : done / total;
        },
        controller.signal,
      );
      result.replaceChildren(
        h('p', null, t('verify.digestOf', { name: file.name }), text(' '), formatBytes(file.size)),
        h('p', null, h('span', { class: 'alg' }, t(`algorithm.${alg}`)), mono(digest)),
        h('p', null, t('common.working')),
      );
      const { matches } = await api.verify.digest(alg, digest);
      result.lastElementChild?.replaceWith(matchesTable(matches));
    } catch (err) {
      if (!controller.signal.aborted) result.appendChild(errorBox(err));
    }
  };

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void verify(file);
  });
  // The label opens the picker on click and Enter is handled here for keyboard users.
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fileInput.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void verify(file);
  });

  return section(
    t('verify.fileTitle'),
    h('p', null, t('verify.fileHint')),
    field(t('verify.algorithm'), algorithm),
    fileInput,
    zone,
    h('div', { class: 'progress' }, progressLabel, progress),
    result,
  );
}

function recordSection(): HTMLElement {
  const proofInput = textarea('proof', {
    rows: 8,
    required: true,
    placeholder: t('verify.recordPlaceholder'),
  });
  // A proof file may also be chosen; its text lands in the box so the user sees what is checked.
  const proofFile = h('input', { type: 'file', accept: '.json,application/json' });
  proofFile.addEventListener('change', () => {
    void proofFile.files?.[0]?.text().then((content) => {
      proofInput.value = content;
    });
  });
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack' },
    field(t('verify.recordFile'), proofFile),
    field(t('verify.recordProof'), proofInput, t('verify.recordHint')),
    h('div', null, submit(t('verify.recordSubmit'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void checkRecord(proofInput.value, result);
  });
  return section(t('verify.recordTitle'), form, result);
}

/** A record-proof bundle as the gateway issues it, or the bare record proof inside one. */
type RecordInput =
  RecordProof | { format: 'shulian-proof'; subject: { kind: string; proof?: RecordProof } };

function recordProofOf(input: RecordInput): RecordProof | null {
  if ('format' in input)
    return input.subject.kind === 'record' ? (input.subject.proof ?? null) : null;
  return input;
}

async function checkRecord(raw: string, result: HTMLElement): Promise<void> {
  const fail = (message: Msg): void =>
    result.replaceChildren(h('p', { class: 'alert error', role: 'alert' }, message));
  let proof: RecordProof | null;
  try {
    proof = recordProofOf(JSON.parse(raw) as RecordInput);
  } catch {
    fail(t('verify.recordNotJson'));
    return;
  }
  if (!proof) {
    fail(t('verify.recordNotRecord'));
    return;
  }
  const hash = (HASHES as Partial<Record<string, (typeof HASHES)[DigestAlgorithm]>>)[
    proof.algorithm
  ];
  if (!hash) {
    fail(t('verify.recordBad', { field: 'algorithm', reason: String(proof.algorithm) }));
    return;
  }
  const check = verifyRecordProof(hash, proof);
  if (!check.ok) {
    fail(t('verify.recordBad', { field: check.field, reason: check.reason }));
    return;
  }
  result.replaceChildren(
    h('p', { class: 'alert ok' }, t('verify.recordProofOk')),
    h('p', null, t('common.working')),
  );
  try {
    const { matches } = await api.verify.recordRoot(proof.root);
    result.lastElementChild?.replaceWith(matchesTable(matches));
  } catch (err) {
    fail(errorText(err));
  }
}
