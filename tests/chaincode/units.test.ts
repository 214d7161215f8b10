/**
 * Pure building blocks of the chaincode, imported from its compiled package as the contracts
 * use them: working-day arithmetic, identity parsing, validation and canonical encoding.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@shulian/chaincode/canonical';
import {
  addDays,
  cstDate,
  endOfCstDay,
  isWorkingDay,
  nthWorkingDayAfter,
  workingDaysDeadline,
  type CalendarLookup,
} from '@shulian/chaincode/calendar';
import { parseSubject, identityFromClient } from '@shulian/chaincode/identity';
import { parseInput } from '@shulian/chaincode/inputs';
import { catalogField, qualityObjection } from '@shulian/chaincode/entities';
import { object } from '@shulian/chaincode/schema';
import { readCalendarFile } from '../../network/embedded/calendars.js';
import { CALENDAR_2026, T0 } from './world.js';

const calendar: CalendarLookup = new Map([[2026, CALENDAR_2026]]);

describe('working-day calendar', () => {
  it('takes the CST date of an instant, not the UTC one', () => {
    expect(cstDate(Date.parse('2026-02-13T16:30:00Z'))).toBe('2026-02-14');
    expect(cstDate(Date.parse('2026-02-13T15:59:59.999Z'))).toBe('2026-02-13');
    expect(new Date(endOfCstDay('2026-03-05')).toISOString()).toBe('2026-03-05T15:59:59.999Z');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
  });

  it('treats holidays as days off and make-up Saturdays as working days', () => {
    expect(isWorkingDay('2026-02-13', calendar)).toBe(true); // Friday
    expect(isWorkingDay('2026-02-14', calendar)).toBe(true); // Saturday, 调休
    expect(isWorkingDay('2026-02-16', calendar)).toBe(false); // Monday, 春节
    expect(isWorkingDay('2026-02-21', calendar)).toBe(false); // Saturday inside the holiday
    expect(isWorkingDay('2026-03-07', calendar)).toBe(false); // ordinary Saturday
    expect(isWorkingDay('2026-02-28', calendar)).toBe(true); // Saturday, 调休
  });

  it('counts N working days after the CST date of the transaction', () => {
    const day = (date: string, n: number) => nthWorkingDayAfter(date, n, calendar);
    expect(day('2026-02-13', 1)).toEqual({ value: '2026-02-14', unpublishedYears: [] });
    expect(day('2026-02-13', 2)).toEqual({ value: '2026-02-24', unpublishedYears: [] });
    expect(day('2026-02-13', 10)).toEqual({ value: '2026-03-05', unpublishedYears: [] });
    expect(workingDaysDeadline(T0, 10, calendar)).toEqual({
      value: Date.parse('2026-03-05T15:59:59.999Z'),
      unpublishedYears: [],
    });
    // 23:30 on Friday in Beijing is still Friday, though it is Friday afternoon in UTC
    expect(workingDaysDeadline(Date.parse('2026-02-13T23:30:00+08:00'), 10, calendar)).toEqual(
      workingDaysDeadline(T0, 10, calendar),
    );
  });

  it('counts Monday to Friday through a year nobody published, and names that year', () => {
    // Mon 28 Dec 2026: 29, 30, 31 Dec, then Fri 1 Jan 2027 counts for want of a calendar.
    expect(nthWorkingDayAfter('2026-12-28', 10, calendar)).toEqual({
      value: '2027-01-11',
      unpublishedYears: [2027],
    });
    // Ending before the new year, the count never needed 2027.
    expect(nthWorkingDayAfter('2026-12-01', 10, calendar)).toEqual({
      value: '2026-12-15',
      unpublishedYears: [],
    });
    expect(isWorkingDay('2027-01-01', calendar)).toBe(true);
    expect(isWorkingDay('2027-01-02', calendar)).toBe(false);
    const published = new Map([...calendar, [2027, { holidays: ['2027-01-01'], workdays: [] }]]);
    expect(nthWorkingDayAfter('2026-12-28', 10, published)).toEqual({
      value: '2027-01-12',
      unpublishedYears: [],
    });
  });
});

describe('calendar files in network/calendars', () => {
  const years = readdirSync(new URL('../../network/calendars/', import.meta.url))
    .filter((name) => /^\d{4}\.json$/.test(name))
    .map((name) => Number(name.slice(0, 4)));

  it('hold 2025 and 2026', () => {
    expect(years).toEqual(expect.arrayContaining([2025, 2026]));
  });

  it.each(years)('%i: sorted dates of its year, make-up days on weekends, no clash', (year) => {
    const { holidays, workdays, source } = readCalendarFile(year);
    expect(source).toMatch(/国办发明电/);
    for (const dates of [holidays, workdays]) {
      expect(dates).toEqual([...new Set(dates)].sort());
      for (const d of dates) expect(cstDate(Date.parse(`${d}T00:00:00+08:00`))).toBe(d);
      for (const d of dates) expect(d.startsWith(`${year}-`)).toBe(true);
    }
    for (const d of workdays) expect([0, 6]).toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
    expect(holidays.filter((d) => workdays.includes(d))).toEqual([]);
  });
});

describe('caller identity', () => {
  it('reads CN and NodeOU from the subject, not the issuer', () => {
    const id = 'x509::/C=CN/O=PsbMSP/OU=admin/CN=paul::/C=CN/O=PsbMSP/CN=ca.PsbMSP';
    expect(parseSubject(id)).toEqual({ cn: 'paul', ous: ['admin'] });
    expect(identityFromClient('PsbMSP', id)).toEqual({
      department: 'PsbMSP',
      user: 'paul',
      isAdmin: true,
    });
    const client = 'x509::/OU=client/OU=org1/CN=pete@psb.gov.cn::/CN=ca';
    expect(identityFromClient('PsbMSP', client)).toEqual({
      department: 'PsbMSP',
      user: 'pete@psb.gov.cn',
      isAdmin: false,
    });
  });

  it('unescapes a slash inside a value and refuses a subject without CN', () => {
    expect(parseSubject('x509::/O=a\\/b/CN=x::/CN=ca').cn).toBe('x');
    expect(() => identityFromClient('PsbMSP', 'x509::/OU=admin::/CN=ca')).toThrow(
      /^\[FORBIDDEN_ROLE\] .*no subject CN/,
    );
  });
});

describe('input validation', () => {
  const check = object({ fields: (v: unknown, p: string) => catalogField(v, p) });

  it('names the path of a nested bad member', () => {
    expect(() =>
      parseInput(check, '{"fields":{"name":"x","type":"string","sensitivity":"top"}}', 'entry'),
    ).toThrow(
      '[INVALID_ARGUMENT] fields.sensitivity must be one of public, internal, sensitive, important',
    );
  });

  it('rejects unknown members, bad JSON and control characters', () => {
    expect(() =>
      parseInput(
        check,
        '{"fields":{"name":"x","type":"string","sensitivity":"public","colour":1}}',
        'e',
      ),
    ).toThrow(/fields\.colour is not a known field/);
    expect(() => parseInput(check, '{', 'entry')).toThrow(
      '[INVALID_ARGUMENT] entry is not valid JSON',
    );
    expect(() =>
      parseInput(
        check,
        JSON.stringify({
          fields: { name: 'x', type: 'string', sensitivity: 'public', description: 'a\u0000b' },
        }),
        'e',
      ),
    ).toThrow(/fields\.description must not contain control characters/);
  });
});

describe('stored deadlines', () => {
  const objection = {
    id: 'OBJ-0123456789abcdef',
    catalogId: 'PSB-0001',
    version: 1,
    provider: 'PsbMSP',
    raisedBy: { department: 'MarketMSP', user: 'mona' },
    description: 'Wrong address',
    recordRefs: ['row-7'],
    fields: [],
    status: 'open',
    raisedAt: '2026-12-30T02:00:00.000Z',
    deadline: '2027-01-04T15:59:59.999Z',
    deadlineProvisional: true,
    deadlineUnpublishedYears: [2027],
    resolution: null,
  };
  const read = (changes: Record<string, unknown>) => () =>
    qualityObjection({ ...objection, ...changes }, '');

  it('accepts a provisional deadline that names its years, and a final one that names none', () => {
    expect(read({})()).toEqual(objection);
    expect(read({ deadlineProvisional: false, deadlineUnpublishedYears: [] })()).toMatchObject({
      deadlineProvisional: false,
    });
  });

  it('refuses a flag that disagrees with its years, and malformed years', () => {
    const mismatch = /^deadlineUnpublishedYears must list, in ascending order, the years/;
    expect(read({ deadlineUnpublishedYears: [] })).toThrow(mismatch);
    expect(read({ deadlineProvisional: false })).toThrow(mismatch);
    expect(read({ deadlineUnpublishedYears: [2028, 2027] })).toThrow(mismatch);
    expect(read({ deadlineUnpublishedYears: ['2027'] })).toThrow(
      /^deadlineUnpublishedYears\[0\] must be an integer/,
    );
    expect(read({ deadlineUnpublishedYears: [2027, 2027] })).toThrow(/repeats an earlier item/);
    expect(read({ deadlineProvisional: undefined })).toThrow(
      /^deadlineProvisional must be true or false/,
    );
  });
});

describe('canonical encoding', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes member names as JSON.stringify does, kept or not (past 4,096 names, long ones)', () => {
    // The reference: JSON.stringify with keys sorted at every depth, undefined members left out.
    const sorted = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sorted)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
            )
          : value;
    const reference = (value: unknown): string => JSON.stringify(sorted(value));
    const awkward = [
      '"',
      '\\',
      '\u0000',
      '\u001f',
      '\u2028',
      '\ud800',
      '\udc00x',
      '数',
      '\u{1f600}',
      '',
    ];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        const name = `${awkward[i % awkward.length] as string}k${i}`;
        const value = { [name]: i, [`${name}${'x'.repeat(i % 100)}`]: [name], v: { [name]: null } };
        expect(canonicalJson(value)).toBe(reference(value));
      }
    }
  });
});
