import { fromEpochDay } from '@cdp360/domain';
import { hash3, unit3 } from './random';

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Mateo',
  'Sophia',
  'Lucas',
  'Mia',
  'Ethan',
  'Amelia',
  'James',
  'Isabella',
  'Elijah',
  'Chloé',
  'Benjamin',
  'Zoë',
  'Henry',
  'Aaliyah',
  'Kenji',
  'Priya',
  'Omar',
  'Fatima',
  'Wei',
  'Sofía',
  'José',
  'Björn',
  'Ingrid',
  'Chidi',
  'Ngozi',
  'Aroha',
  'Siobhán',
  'Dmitri',
  'Yuki',
];
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Garcia',
  'Miller',
  'Davis',
  'Rodríguez',
  'Martínez',
  'Nguyen',
  'Kim',
  'Patel',
  'Müller',
  "O'Brien",
  'Kowalski',
  'Rossi',
  'Dubois',
  'Tanaka',
  'Okafor',
  'Andersson',
  'Haddad',
  'Cohen',
  'Silva',
  'Ivanova',
  'Lee',
  'Wang',
  'Nakamura',
  'Fernández',
  'Novak',
  'Singh',
];
const DOMAINS = ['example.com', 'mail.example.org', 'inbox.example.net', 'post.example.io'];

const SALT_FIRST = 21;
const SALT_LAST = 22;
const SALT_DOB = 23;
const SALT_PHONE = 24;
const SALT_DOMAIN = 25;

/** ASCII, lower-case local part for an email address (diacritics and apostrophes dropped). */
function emailPart(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export interface CustomerPayload {
  customer_id: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  date_of_birth: string | null;
  registration_date: string;
}

/**
 * Date of birth for a customer born between 1940 and 2007: null for about 7%, Feb 29 of a leap year
 * for about 1% (age rules have to handle it), otherwise any day.
 */
export function dateOfBirth(seed: number, customerId: number): string | null {
  const h = hash3(seed, customerId, SALT_DOB);
  const bucket = h % 1000;
  if (bucket < 70) return null;
  const year = 1940 + ((h >>> 10) % 68);
  if (bucket < 80) {
    const leap = year - (year % 4); // 1940..2004 are all leap years when divisible by 4
    return `${leap}-02-29`;
  }
  const start = Date.UTC(year, 0, 1) / 86_400_000;
  const day = start + ((h >>> 3) % 365);
  return fromEpochDay(day);
}

/**
 * A customer record version. Names and birth date are stable per customer; contact details change
 * between versions so latest-wins is observable. `version` 0 is a stale copy that arrives late.
 */
export function customerRecord(
  seed: number,
  customerId: number,
  version: number,
  registrationDate: string,
): CustomerPayload {
  const first = FIRST_NAMES[hash3(seed, customerId, SALT_FIRST) % FIRST_NAMES.length]!;
  const last = LAST_NAMES[hash3(seed, customerId, SALT_LAST) % LAST_NAMES.length]!;
  const domain = DOMAINS[(hash3(seed, customerId, SALT_DOMAIN) + version) % DOMAINS.length]!;
  const email = `${emailPart(first)}.${emailPart(last)}${version > 1 ? version : ''}${version === 0 ? '.old' : ''}.${customerId}@${domain}`;
  const p = hash3(seed, customerId, SALT_PHONE);
  const phone =
    unit3(seed, customerId, SALT_PHONE + version) < 0.1
      ? null
      : `+1-${200 + (p % 800)}-555-${pad(((p >>> 10) + version * 7919) % 10000, 4)}`;
  return {
    customer_id: customerId,
    first_name: first,
    last_name: last,
    email,
    phone_number: phone,
    date_of_birth: dateOfBirth(seed, customerId),
    registration_date: registrationDate,
  };
}
