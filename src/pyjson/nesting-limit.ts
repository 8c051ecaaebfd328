/**
 * The deepest nesting read or written (containers inside containers, empty
 * ones included). Python's own reader gives up before 1,000 levels
 * (RecursionError); V8's `JSON.stringify` overflows its stack near 4,000. At
 * 2,000 no reader or writer of a document, native or recursive, can be
 * driven into a stack overflow by its depth.
 */
export const MAX_NESTING_DEPTH = 2000;
