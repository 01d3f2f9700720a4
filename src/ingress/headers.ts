// Node joins a repeated x-* header into one comma-separated string, which would hide the repetition from the
// guards. Reading rawHeaders keeps it visible: a header sent twice comes back as an array.
export function singleHeader(rawHeaders: readonly string[], lowerName: string): string | string[] | undefined {
  let first: string | undefined;
  let all: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
    if (first === undefined) first = rawHeaders[i + 1];
    else (all ??= [first]).push(rawHeaders[i + 1]);
  }
  return all ?? first;
}
