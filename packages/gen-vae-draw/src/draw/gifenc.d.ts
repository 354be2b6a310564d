/** The part of gifenc (MIT, no bundled types) that DRAW's canvas GIF uses. */
declare module 'gifenc' {
  interface FrameOptions {
    palette?: number[][];
    delay?: number;
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    first?: boolean;
  }
  interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  type GifEncoderFactory = (options?: { auto?: boolean; initialCapacity?: number }) => Encoder;
  /** the ES build's named export (absent when Node loads the CommonJS build) */
  export const GIFEncoder: GifEncoderFactory | undefined;
  /** the CommonJS build's exports object, as Node's `import` presents it */
  const exportsObject: { GIFEncoder: GifEncoderFactory };
  export default exportsObject;
}
