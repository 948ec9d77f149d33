import { formatPlatform, hostPlatform, matchesPlatform, type Platform } from "../../oci/index.js";

/**
 * Docker's warning for an image made for another platform when none was asked for (the container
 * still runs: binfmt may emulate it); undefined when the image fits this machine.
 */
export function platformWarning(image: Platform, host: Platform = hostPlatform()): string | undefined {
  if (matchesPlatform(host, image)) return undefined;
  return (
    `WARNING: The requested image's platform (${formatPlatform(image)}) does not match the detected ` +
    `host platform (${formatPlatform(host)}) and no specific platform was requested`
  );
}
