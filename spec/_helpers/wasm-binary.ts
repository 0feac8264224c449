/**
 * A minimal reader of WebAssembly binaries for specs: the section ids in order, and whether the
 * memory import (if any) is declared shared (limits flag bit 1). Throws on a malformed header.
 */
export function wasmSections(bytes: Uint8Array): { ids: number[]; memoryImportShared: boolean | undefined } {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (!magic.every((b, i) => bytes[i] === b)) throw new Error('not a WebAssembly 1.0 binary (bad magic or version)');
  let pos = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated LEB128');
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return result >>> 0;
      shift += 7;
    }
  };
  const name = () => {
    const n = leb();
    pos += n;
  };
  const ids: number[] = [];
  let memoryImportShared: boolean | undefined;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    const end = pos + size;
    ids.push(id);
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        name();
        name();
        const kind = bytes[pos++];
        if (kind === 2) {
          const flags = bytes[pos++];
          memoryImportShared = (flags & 2) !== 0;
          leb();
          if (flags & 1) leb();
        } else if (kind === 0) leb();
        else if (kind === 1) {
          pos++;
          const f = bytes[pos++];
          leb();
          if (f & 1) leb();
        } else if (kind === 3) pos += 2;
      }
    }
    pos = end;
  }
  return { ids, memoryImportShared };
}
