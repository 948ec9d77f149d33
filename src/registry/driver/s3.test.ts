import { s3Driver } from "./s3.js";
import { freshS3 } from "./testing/s3.js";
import { driverSuite } from "./testing/suite.js";

// The RADOS Gateway of scripts/ceph.sh; parts of 5 MiB (S3's smallest) so that the suite's larger
// writes go through several parts, and part-by-part copies from 5 MiB up.
driverSuite("s3", {
  make: async () => {
    const { options, client, dispose } = await freshS3({
      chunkSize: 5 << 20,
      multipartCopyThresholdSize: 5 << 20,
      multipartCopyChunkSize: 5 << 20,
    });
    return { driver: s3Driver(options, client), dispose };
  },
  raceRounds: 40,
});
