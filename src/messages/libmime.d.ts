// libmime (mailparser's MIME word codec) ships no types; only what details.ts uses.
declare module 'libmime' {
  const libmime: { decodeWords(value: string): string };
  export default libmime;
}
