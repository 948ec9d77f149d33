import { openImages } from "../images.js";
import { tagImage } from "../tag.js";

/** A child process for tests: tags `source` as `<prefix>-<i>` for i < count, in the store under `root`. */
const [root, source, prefix, count] = process.argv.slice(2);
const images = await openImages(root as string);
for (let i = 0; i < Number(count); i++) await tagImage(images, source as string, `${prefix}-${i}`);
process.stdout.write("done\n");
