/**
 * isoInstant accepts exactly the texts that Date.parse reads and toISOString writes back
 * unchanged; it answers the common form (a real date and time of the years 0000-9999) without
 * either call (#18). The reference here is that definition. Refusals keep their message.
 */
import { describe, expect, it } from 'vitest';
import { isoInstant } from '@shulian/chaincode/schema';

const byDate = (text: string): boolean => {
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === text;
};

const accepts = (text: string): boolean => {
  try {
    return isoInstant(text, 'at') === text;
  } catch (error) {
    expect((error as Error).message).toMatch(/^at must be/);
    return false;
  }
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

describe('isoInstant', () => {
  it('agrees with Date on every day of leap and common years and at the edges of a day', () => {
    for (const year of [0, 4, 100, 400, 1900, 1970, 2000, 2024, 2025, 2026, 2100, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          for (const time of ['00:00:00.000', '23:59:59.999', '24:00:00.000', '12:60:00.000']) {
            const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${time}Z`;
            expect(accepts(text), text).toBe(byDate(text));
          }
        }
      }
    }
  });

  it('agrees with Date on other shapes of text', () => {
    const texts = [
      '2026-02-13T02:00:00.000Z',
      '2026-02-13T02:00:00Z',
      '2026-02-13T02:00:00.00Z',
      '2026-02-13T02:00:00.0000Z',
      '2026-02-13T02:00:00.000z',
      '2026-02-13t02:00:00.000Z',
      '2026-02-13T02:00:00.000+00:00',
      '2026-02-13 02:00:00.000Z',
      '+010000-01-01T00:00:00.000Z',
      '-000001-12-31T23:59:59.999Z',
      '+002026-02-13T02:00:00.000Z',
      '2026-2-13T02:00:00.000Z',
      '２０２６-02-13T02:00:00.000Z',
      ' 2026-02-13T02:00:00.000Z',
      '2026-02-13T02:00:00.000Z ',
      '2026-02-13T02:00:60.000Z',
      '2026-02-29T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
    ];
    for (const text of texts) expect(accepts(text), text).toBe(byDate(text));
  });

  it('agrees with Date on random instants and their one-character edits', () => {
    let seed = 18;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const characters = '0123456789-:.TZ+';
    for (let i = 0; i < 5000; i++) {
      const text = new Date(Math.floor(next() * 253402300800000)).toISOString();
      expect(accepts(text), text).toBe(true);
      const at = Math.floor(next() * text.length);
      const edited =
        text.slice(0, at) + characters[Math.floor(next() * characters.length)] + text.slice(at + 1);
      expect(accepts(edited), edited).toBe(byDate(edited));
    }
  });
});
