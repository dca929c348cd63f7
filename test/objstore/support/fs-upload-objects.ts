// What the FILESYSTEM crash tests' uploader process writes: object names and bytes both sides compute.

/** The bytes of object `i` (the test recomputes them to check what was acknowledged). */
export function objectBytes(i: number): Buffer {
  const size = 1024 + ((i * 7919) % 300) * 1024;
  const b = Buffer.allocUnsafe(size);
  for (let k = 0; k < size; k++) b[k] = (k * 31 + i * 17 + (k >> 10)) & 0xff;
  return b;
}

export function objectName(i: number): string {
  return `d${i % 3}/obj-${String(i).padStart(5, '0')}`;
}
