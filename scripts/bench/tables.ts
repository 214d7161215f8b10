/**
 * Generated tables for the gateway benchmark: a realistic government register (identity number,
 * Chinese name, a quoted address with commas and doubled quotes, a note that is sometimes quoted
 * over two lines, numbers and dates) as RFC 4180 CSV, and the same records as JSON Lines; and one
 * long row, for the claim that time grows linearly with row length.
 */
import { open } from 'node:fs/promises';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '军', '杰', '涛'];
const DISTRICTS = ['历下区', '市中区', '槐荫区', '天桥区', '历城区', '长清区', '章丘区'];
export const TABLE_COLUMNS = [
  'id_number',
  'name',
  'sex',
  'birth_date',
  'address',
  'household',
  'income',
  'note',
] as const;

type Row = Record<(typeof TABLE_COLUMNS)[number], string>;

/** Record `i`: deterministic, so every run anchors the same data. */
function row(i: number): Row {
  const year = 1950 + (i % 60);
  const month = String(1 + (i % 12)).padStart(2, '0');
  const day = String(1 + (i % 28)).padStart(2, '0');
  const serial = String(i % 1000).padStart(3, '0');
  return {
    id_number: `370102${year}${month}${day}${serial}${i % 10}`,
    name: SURNAMES[i % SURNAMES.length]! + GIVEN[(i * 7) % GIVEN.length]!,
    sex: i % 2 ? '男' : '女',
    birth_date: `${year}-${month}-${day}`,
    address: `济南市${DISTRICTS[i % DISTRICTS.length]!}经十路${i % 9999}号, ${1 + (i % 30)}单元 "${i % 7}"室`,
    household: String(1 + (i % 6)),
    income: (((i * 7919) % 1_000_000) / 100).toFixed(2),
    note: i % 50 === 0 ? `迁入\n原籍 ${i % 97}` : i % 3 === 0 ? '' : '常住',
  };
}

/** RFC 4180: quoted when the field holds a comma, a quote or a line break; quotes doubled. */
const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** Writes `rows` records as CSV (CRLF, header first) to `csv` and as JSON Lines to `jsonl`. */
export async function writeTables(csv: string, jsonl: string, rows: number): Promise<void> {
  const [c, j] = await Promise.all([open(csv, 'w'), open(jsonl, 'w')]);
  try {
    let csvText = TABLE_COLUMNS.join(',') + '\r\n';
    let jsonText = '';
    for (let i = 0; i < rows; i++) {
      const r = row(i);
      csvText += TABLE_COLUMNS.map((k) => csvField(r[k])).join(',') + '\r\n';
      jsonText += JSON.stringify(r) + '\n';
      // Written in pieces of about 4 MB: the files are larger than this process should hold.
      if (csvText.length > 4_000_000 || i === rows - 1) {
        await c.write(csvText);
        await j.write(jsonText);
        csvText = '';
        jsonText = '';
      }
    }
  } finally {
    await Promise.all([c.close(), j.close()]);
  }
}

/** A CSV of a header and one row whose single field is `bytes` of ASCII text. */
export async function writeLongRow(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write('note\n');
    const block = Buffer.alloc(1 << 20, 'abcdefghij');
    for (let written = 0; written < bytes; written += block.length)
      await file.write(block, 0, Math.min(block.length, bytes - written));
    await file.write('\n');
  } finally {
    await file.close();
  }
}
