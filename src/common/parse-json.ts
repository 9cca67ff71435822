/** `JSON.parse`, or `undefined` for text that is not JSON: stored records are read, never trusted to parse. */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
