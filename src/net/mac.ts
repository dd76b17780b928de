/** MAC addresses as records hold them: 12 lowercase hex digits, whatever the spelling read. */

/** 00:11:22:33:44:55, 00-11-22-33-44-55, 0011.2233.4455 or 001122334455 → 001122334455. */
export function macHex(text: string): string | undefined {
  const hex = text.replace(/[:.-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex : undefined;
}
