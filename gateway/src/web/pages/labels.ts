/** Badges for the ledger's enums, coloured by what they mean to the reader. */
import type {
  CatalogUpdateStatus,
  ObjectionStatus,
  RequestStatus,
  Sensitivity,
  ShareType,
  UsageOutcome,
} from '@shulian/chaincode/constants';
import { t } from '../i18n/index.js';
import { badge, type BadgeKind } from '../ui.js';

const SHARE_KIND: Record<ShareType, BadgeKind> = {
  unconditional: 'ok',
  conditional: 'warn',
  not_shared: 'bad',
};
export const shareTypeBadge = (v: ShareType): HTMLElement =>
  badge(t(`shareType.${v}`), SHARE_KIND[v]);

const SENSITIVITY_KIND: Record<Sensitivity, BadgeKind> = {
  public: 'ok',
  internal: 'info',
  sensitive: 'warn',
  important: 'bad',
};
export const sensitivityBadge = (v: Sensitivity): HTMLElement =>
  badge(t(`sensitivity.${v}`), SENSITIVITY_KIND[v]);

const REQUEST_KIND: Record<RequestStatus, BadgeKind> = {
  pending: 'warn',
  approved: 'ok',
  rejected: 'bad',
  escalated: 'info',
  withdrawn: 'muted',
  expired: 'muted',
};
export const requestStatusBadge = (v: RequestStatus): HTMLElement =>
  badge(t(`requestStatus.${v}`), REQUEST_KIND[v]);

const OBJECTION_KIND: Record<ObjectionStatus, BadgeKind> = {
  open: 'warn',
  corrected: 'ok',
  rejected: 'muted',
};
export const objectionStatusBadge = (v: ObjectionStatus): HTMLElement =>
  badge(t(`objectionStatus.${v}`), OBJECTION_KIND[v]);

const UPDATE_KIND: Record<CatalogUpdateStatus, BadgeKind> = {
  open: 'warn',
  updated: 'ok',
  retired: 'muted',
};
export const updateStatusBadge = (v: CatalogUpdateStatus): HTMLElement =>
  badge(t(`catalogUpdateStatus.${v}`), UPDATE_KIND[v]);

export const outcomeBadge = (v: UsageOutcome): HTMLElement =>
  v === 'ALLOWED' ? badge(t('outcome.ALLOWED'), 'ok') : badge(t('outcome.DENIED'), 'bad');
