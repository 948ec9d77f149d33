import type { Descriptor } from "../oci/index.js";

/**
 * What pull and push need from the local image records (the `images` module provides it): the
 * descriptor a name points at, and recording a name with its repo digest.
 */
export interface ImageRecorder {
  /** What `name` (a full reference, `localhost:5000/app:1.0`) points at, if anything. */
  lookup(name: string): Promise<Descriptor | undefined>;
  /**
   * Points `name` at `target` (the top document: an index or a manifest), noting the image manifest
   * chosen for this machine and the repo digest (`localhost:5000/app@sha256:...`). Without
   * `manifest` (push, which re-records a name it looked up) the name keeps the image manifest it
   * has; a manifest target is its own.
   */
  record(entry: {
    name: string;
    target: Descriptor;
    manifest?: Descriptor;
    repoDigest: string;
  }): Promise<void>;
}
