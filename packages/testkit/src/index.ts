export { memoryLoader, memoryFormat, rejects } from './fixtures.js';
export type { MemoryLoader, Row } from './fixtures.js';
export { testFormat, corpus, sameValue } from './format.js';
export type { FormatSamples } from './format.js';
export { testHostile, ownData } from './hostile.js';
export type { HostileCase, HostileClasses, Expect } from './hostile.js';
export { testFuzz } from './fuzz.js';
