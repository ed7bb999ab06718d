/** True when `err` is a Node system error (or any error-shaped value) with this `code`. */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && Reflect.get(err, 'code') === code;
}
