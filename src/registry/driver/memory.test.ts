import { memoryDriver } from "./memory.js";
import { driverSuite } from "./testing/suite.js";

driverSuite("memory", {
  make: async () => ({ driver: memoryDriver(), dispose: async () => {} }),
});
