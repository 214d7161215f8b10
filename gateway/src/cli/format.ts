/**
 * How the command line shows times to people: China Standard Time, ISO 8601 with its +08:00
 * offset, to the second. `--json` output keeps the gateway's UTC instants for machines.
 */
import { CST_OFFSET_MS } from '@shulian/chaincode/constants';

export function cstTime(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(ms)) return String(instant);
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 19) + '+08:00';
}
