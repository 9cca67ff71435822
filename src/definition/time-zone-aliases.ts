/**
 * Zone names this platform's `Intl.supportedValuesOf('timeZone')` may leave out because it lists an older name of the
 * same zone (ICU keeps `Asia/Calcutta` where the tz database now says `Asia/Kolkata`), and the usual spellings of UTC.
 * Tenants store the names they were given, so a local-time run tells an app every name of a due zone.
 */
export const TIME_ZONE_ALIASES: readonly string[] = [
  'UTC',
  'Etc/UTC',
  'GMT',
  'Etc/GMT',
  'Africa/Asmara',
  'America/Argentina/Buenos_Aires',
  'America/Argentina/Catamarca',
  'America/Argentina/Cordoba',
  'America/Argentina/Jujuy',
  'America/Argentina/Mendoza',
  'America/Atikokan',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Europe/Kyiv',
  'Pacific/Chuuk',
  'Pacific/Kanton',
  'Pacific/Pohnpei',
];
