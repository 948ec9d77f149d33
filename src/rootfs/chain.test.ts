import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Digest, digestOf } from "../digest/index.js";
import { chainIds, knownChainIds } from "./chain.js";
import { snapshotLayout } from "./layout.js";

const d = (s: string) => digestOf(Buffer.from(s));
const dirs: string[] = [];
const layout = () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-chain-"));
  dirs.push(dir);
  return snapshotLayout(dir);
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("chainIds", () => {
  it("follows the image spec: the first is the diff ID, then sha256 of '<parent> <diff ID>'", () => {
    const [a, b] = [d("a"), d("b")];
    expect(chainIds([a, b])).toEqual([a, digestOf(Buffer.from(`${a} ${b}`))]);
  });
});

describe("knownChainIds", () => {
  it("computes a stack once, keeps it by its top diff ID, and returns the same IDs after", () => {
    const l = layout();
    const stack: Digest[] = [d("a"), d("b"), d("c")];
    expect(knownChainIds(l, stack)).toEqual(chainIds(stack));
    const file = l.chains(d("c"));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([{ diffIds: stack, chainIds: chainIds(stack) }]);
    expect(knownChainIds(l, stack)).toEqual(chainIds(stack));
  });

  it("keeps stacks that share a top layer apart, and recomputes over a damaged file", () => {
    const l = layout();
    const one: Digest[] = [d("a"), d("top")];
    const two: Digest[] = [d("b"), d("top")];
    expect(knownChainIds(l, one)).toEqual(chainIds(one));
    expect(knownChainIds(l, two)).toEqual(chainIds(two));
    expect(knownChainIds(l, one)).toEqual(chainIds(one));
    expect(JSON.parse(readFileSync(l.chains(d("top")), "utf8"))).toHaveLength(2);
    writeFileSync(l.chains(d("top")), "{not json");
    expect(knownChainIds(l, two)).toEqual(chainIds(two));
    writeFileSync(l.chains(d("top")), JSON.stringify([{ diffIds: two, chainIds: ["sha256:bad"] }]));
    expect(knownChainIds(l, two)).toEqual(chainIds(two));
  });

  it("writes nothing for an image of one layer (its chain ID is its diff ID)", () => {
    const l = layout();
    expect(knownChainIds(l, [d("only")])).toEqual([d("only")]);
    expect(existsSync(join(l.root, "chains"))).toBe(false);
  });
});
