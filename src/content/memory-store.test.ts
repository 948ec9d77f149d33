import { memoryContentStore } from "./memory-store.js";
import { contentStoreSuite } from "./testing/suite.js";

contentStoreSuite("memory", async () => ({ store: memoryContentStore(), cleanup: async () => {} }));
